import { isRecord, shown } from './hostile-text';

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

describe('isRecord', () => {
  it('is true for plain objects only', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord({ a: 1 })).toBe(true);
    expect(isRecord(Object.create(null))).toBe(true);
    for (const v of [null, undefined, [], [1], 'x', 1, true]) expect(isRecord(v)).toBe(false);
  });
});
