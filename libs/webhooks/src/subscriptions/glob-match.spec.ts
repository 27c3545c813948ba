import fc from 'fast-check';
import { matchImageGlob, matchStar } from './glob-match';

/** An independent reference: the glob as an anchored regex, everything but stars escaped, over `/` + name (test only, small inputs). */
function reference(glob: string, name: string): boolean {
  const re = glob
    .split('/')
    .map((s) =>
      s === '**'
        ? '(?:/[^/]+)*'
        : `/${s
            .split('*')
            .map((l) => l.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'))
            .join('[^/]*')}`,
    )
    .join('');
  return new RegExp(`^${re}$`).test(`/${name}`);
}

describe('image globs', () => {
  it.each([
    ['examples/redis', 'examples/redis', true],
    ['examples/redis', 'examples/redis-x', false],
    ['examples/*', 'examples/redis', true],
    ['examples/*', 'examples/a/redis', false],
    ['examples/**', 'examples/a/redis', true],
    ['examples/**', 'examples', true],
    ['**', 'a/b/c', true],
    ['**/redis', 'redis', true],
    ['**/redis', 'a/b/redis', true],
    ['**/redis', 'a/b/redis/x', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/x/y/c', false],
    ['redis-*', 'redis-8', true],
    ['redis-*', 'examples/redis-8', false],
    ['*/redis*', 'examples/redis', true],
    ['*/redis*', 'examples/valkey', false],
    ['*', 'redis', true],
    ['*', 'a/b', false],
    ['e*s/r*s', 'examples/redis', true],
    ['e.amples/redis', 'examples/redis', false],
  ])('%s against %s is %s', (glob, name, expected) => {
    expect(matchImageGlob(glob, name)).toBe(expected);
  });

  it('agrees with an escaped-regex reference on random globs and names', () => {
    const seg = fc.stringMatching(/^[ab.*]{1,4}$/).filter((s) => !s.includes('**'));
    const glob = fc.array(fc.oneof(seg, fc.constant('**')), { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
    const name = fc.array(fc.stringMatching(/^[ab.]{1,4}$/), { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));
    fc.assert(
      fc.property(glob, name, (g, n) => matchImageGlob(g, n) === reference(g, n)),
      { numRuns: 3000 },
    );
  });

  it('stays polynomial on ReDoS-shaped patterns at the length limit (a backtracking regex would not end)', () => {
    const star = `${'a*'.repeat(127)}b`; // 255 characters
    const text = 'a'.repeat(255);
    expect(matchStar(star, text)).toBe(false);
    const deep = `${Array.from({ length: 60 }, () => '**/a*').join('/')}/b`;
    expect(deep.length).toBeLessThanOrEqual(400);
    expect(matchImageGlob(deep, Array.from({ length: 100 }, () => 'aaaa').join('/'))).toBe(false);
    expect(matchStar('*a*a*a*a*a*a*a*a*a*a*a*a*', 'a'.repeat(12))).toBe(true);
  });
});

describe('tag globs', () => {
  it.each([
    ['8.*', '8.2.1', true],
    ['8.*', '18.2', false],
    ['*-dev', '8.2-dev', true],
    ['*-dev', '8.2', false],
    ['latest', 'latest', true],
    ['*', '', true],
    ['8.?', '8.2', false],
  ])('%s against %s is %s', (glob, tag, expected) => {
    expect(matchStar(glob, tag)).toBe(expected);
  });
});
