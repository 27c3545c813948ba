import { isWholeTokenAt, wholeTokenSource } from './version-token';

const holds = (text: string, value: string) => new RegExp(wholeTokenSource(value)).test(text);

describe('the whole-token rule (wholeTokenSource)', () => {
  it.each([
    ['VERSION: 2.36.12', '2.36.12'],
    ['pkg=2.36.12-1', '2.36.12'],
    ['pkg=2.36.12-r0', '2.36.12'],
    ['pkg=2.36.12+deb12u1', '2.36.12'],
    ['pkg=2.36.12~bpo12+1', '2.36.12'],
    ['- 2.36.12-debian13', '2.36.12'],
    ['git+https://example.org/x.git#v2.36.12', '2.36.12'],
    ['https://example.org/dist/v2.36.12/node-v2.36.12.tar.gz', '2.36.12'],
    ['unzip Bundle.2.36.12_linux-x64.zip', '2.36.12'],
    ['dhi.io/x:2.36.12-debian13@sha256:abc', '2.36.12'],
    ['uses: abuild/setup@v2.36.12', 'v2.36.12'],
    ['pkg=2.36.12+deb12u1', '2.36.12+deb12u1'],
    ['jdk-21.0.5+11/OpenJDK', 'jdk-21.0.5+11'],
  ])('finds the value in %j (%s)', (text, value) => {
    expect(holds(text, value)).toBe(true);
  });

  it.each([
    ['libother=12.36.12', '2.36.12', 'a digit glued before'],
    ['tool=2.36.121', '2.36.12', 'a digit glued after'],
    ['x=1.2.36.12', '2.36.12', 'a digit and dot glued before'],
    ['y=2.36.12.1', '2.36.12', 'a dot and digit glued after'],
    ['dev2.36.12', '2.36.12', 'a letter glued before (not a lone v)'],
    ['vv2.36.12', '2.36.12', 'a v glued to a letter'],
    ['1.v2.36.12', '2.36.12', 'a v glued to a dot'],
    ['xv2.36.12', 'v2.36.12', 'a letter glued before a value starting with v'],
    ['pkg=2.36.12+deb12u10', '2.36.12+deb12u1', 'a digit glued after'],
  ])('does not find it in %j (%s: %s)', (text, value) => {
    expect(holds(text, value)).toBe(false);
  });

  it('tells whether a given position holds the whole token', () => {
    const text = 'a=12.36.12 b=2.36.12';
    expect(isWholeTokenAt(text, 3, '2.36.12')).toBe(false);
    expect(isWholeTokenAt(text, 13, '2.36.12')).toBe(true);
    expect(isWholeTokenAt(text, 12, '2.36.12')).toBe(false);
  });
});
