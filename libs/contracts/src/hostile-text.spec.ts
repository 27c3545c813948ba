import { isRecord, shown, shownValue } from './hostile-text';

describe('shown', () => {
  it('keeps printable text as it is', () => {
    expect(shown('openssl 3.0.15-1~deb12u1')).toBe('openssl 3.0.15-1~deb12u1');
  });

  it('replaces control, line-separator and bidi characters by ?', () => {
    expect(shown('a\nb\u0000c\u007fd\u009be\u2028f\u202eg\u2066h')).toBe('a?b?c?d?e?f?g?h');
  });

  it('cuts text longer than max (120 by default) and marks the cut', () => {
    expect(shown('x'.repeat(121))).toBe(`${'x'.repeat(120)}…`);
    expect(shown('x'.repeat(120))).toBe('x'.repeat(120));
    expect(shown('abcdef', 3)).toBe('abc…');
  });

  it('cuts after cleaning, so a replaced character counts as one', () => {
    expect(shown('\n\n\n\n', 2)).toBe('??…');
  });
});

describe('shownValue', () => {
  it('quotes at most 60 characters of a string, cleaned as shown cleans', () => {
    expect(shownValue('amd64')).toBe('"amd64"');
    expect(shownValue('a\u202eb\u0085c\nd')).toBe('"a?b?c?d"');
    expect(shownValue('x'.repeat(61))).toBe(`"${'x'.repeat(60)}…"`);
  });

  it('names what anything else is, never its content', () => {
    expect(shownValue([1, 2, 3])).toBe('an array of 3');
    expect(shownValue(null)).toBe('null');
    expect(shownValue({ secret: 'x' })).toBe('object');
    expect(shownValue(42)).toBe('number');
    expect(shownValue(undefined)).toBe('undefined');
  });
});

describe('isRecord', () => {
  it('is true for plain objects only', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord({ a: 1 })).toBe(true);
    expect(isRecord(Object.create(null))).toBe(true);
    for (const v of [null, undefined, [], [1], 'x', 1, true]) expect(isRecord(v)).toBe(false);
  });
});
