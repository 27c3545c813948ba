import { safeJson, safeText } from './terminal-text';

describe('safeText', () => {
  it('makes control, C1 and bidi characters visible', () => {
    expect(safeText('a\u001b[31mb\nc\td\re\u0000f\u007f\u009b\u202eg\u2028')).toBe(
      'a\\e[31mb\\nc\\td\\re\\x00f\\x7f\\x9b\\u{202e}g\\u{2028}',
    );
    expect(safeText('plain: é ü 漢字 ✓')).toBe('plain: é ü 漢字 ✓');
    expect(safeText(undefined)).toBe('');
    expect(safeText('abcdef', 3)).toBe('abc…');
  });

  it('keeps JSON valid and equal while escaping what JSON.stringify leaves raw', () => {
    const value = { s: 'a\u001b\u009b\u202e\u2028b', n: 1 };
    const text = safeJson(value);
    expect([...text].filter((ch) => '\u001b\u009b\u202e\u2028'.includes(ch))).toEqual([]);
    expect(JSON.parse(text)).toEqual(value);
  });
});
