import { compareApkVersions } from './version-compare';

describe('compareApkVersions (apk-tools order)', () => {
  // Each list is in ascending order; every earlier entry must compare below every later one.
  const ladders = [
    [
      '1.0_alpha',
      '1.0_alpha2',
      '1.0_beta',
      '1.0_pre1',
      '1.0_rc1',
      '1.0',
      '1.0-r1',
      '1.0_cvs',
      '1.0_git20240101',
      '1.0_p1',
      '1.0a',
      '1.0.1',
    ],
    ['0.9', '0.10', '1', '1.0', '1.0.0', '2'],
    ['1.01', '1.1'],
    ['3.5.1-r0', '3.5.1-r1', '3.5.1-r10', '3.5.2-r0'],
    ['8.3.32-r0', '8.3.33-r0', '8.10.0-r0'],
  ];
  it.each(ladders.map((l) => [l.join(' < '), l] as const))('%s', (_name, ladder) => {
    for (let i = 0; i < ladder.length; i++) {
      for (let j = 0; j < ladder.length; j++) {
        expect({
          a: ladder[i],
          b: ladder[j],
          sign: Math.sign(compareApkVersions(ladder[i] as string, ladder[j] as string)),
        }).toEqual({
          a: ladder[i],
          b: ladder[j],
          sign: Math.sign(i - j),
        });
      }
    }
  });
  it('refuses text that is not a version', () => {
    expect(() => compareApkVersions('1.0-r1;x', '1')).toThrow(/not an Alpine package version/);
    expect(() => compareApkVersions('v1.0', '1')).toThrow(/not an Alpine package version/);
  });
});
