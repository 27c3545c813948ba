import { execFileSync } from 'node:child_process';
import { compareDebianVersions } from './version-compare';

/** Deterministic pseudo-random versions covering epochs, ~, +, letters, leading zeros and revisions. */
function versions(n: number): string[] {
  let seed = 42;
  const rnd = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % k;
  };
  const parts = ['0', '1', '2', '10', '01', '1a', '1~rc1', '1~', '1+b1', '1.0', '2.0~beta', '1.2.3', '9'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let v = `${rnd(3) === 0 ? `${rnd(3)}:` : ''}${parts[rnd(parts.length)]}${rnd(2) ? `.${parts[rnd(parts.length)]}` : ''}`;
    if (rnd(2)) v += `-${['1', '0', '1~bpo1', '2+deb13u1', '1ubuntu1', '10'][rnd(6)]}`;
    out.push(v);
  }
  return out;
}

describe('compareDebianVersions agrees with dpkg --compare-versions', () => {
  const list = versions(160);
  const pairs = list.slice(0, 80).map((a, i) => [a, list[80 + i] as string] as const);
  it.each([
    ['1.0~rc1', '1.0', -1],
    ['1.0', '1.0-0', 0],
    ['1:0.9', '2.0', 1],
    ['1.0a', '1.0+', -1],
    ['1.01', '1.1', 0],
    ['2.0-1+deb13u1', '2.0-1', 1],
  ] as const)('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareDebianVersions(a, b))).toBe(sign);
  });
  it('on 80 generated pairs', () => {
    for (const [a, b] of pairs) {
      const ours = Math.sign(compareDebianVersions(a, b));
      const lt = dpkg(a, 'lt', b);
      const eq = dpkg(a, 'eq', b);
      expect({ a, b, ours }).toEqual({ a, b, ours: lt ? -1 : eq ? 0 : 1 });
    }
  });
  it('refuses text that is not a version', () => {
    expect(() => compareDebianVersions('abc', '1')).toThrow(/not a Debian version/);
    expect(() => compareDebianVersions('1; rm -rf /', '1')).toThrow(/not a Debian version/);
  });
});

function dpkg(a: string, op: string, b: string): boolean {
  try {
    execFileSync('dpkg', ['--compare-versions', a, op, b], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
