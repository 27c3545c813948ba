import { patchDefinition } from './patch-definition';
import type { VarChange } from '@patch-factory/contracts';

/**
 * Issue 12: a variable's value changes only where the definition renders that variable, as a
 * whole version token. The old patcher replaced the old value as plain text wherever it stood,
 * so every case below failed on it (the near-collision pins, the comment, the dates, the bare
 * revision number all changed).
 */
const DIGEST = 'a'.repeat(64);
const DEFINITION = [
  '# Built from 2.36.12 (reviewed against v2.36.12); keep this comment as it is.',
  'name: Demo 2.36.12',
  'tags:',
  '  - 2.36.12-debian13',
  '  - 2.36.12-r1-alpine3.24',
  'dates:',
  '  release: "2.36.12"',
  'vars:',
  '  VERSION: 2.36.12',
  '  REL: "1"',
  `  OTHER_REFERENCE: dhi/other:2.36.12-debian13@sha256:${DIGEST}`,
  'contents:',
  '  packages:',
  '    - demo=2.36.12-1',
  '    - demo-doc=2.36.12+deb12u1',
  '    - libother=12.36.12',
  '    - tool=2.36.121',
  '    - x=1.2.36.12',
  '    - y=2.36.12.1',
  '    - z=v2.36.120',
  '  builds:',
  '    - name: demo',
  `      uses: dhi.io/other:2.36.12-debian13@sha256:${DIGEST}`,
  '      contents:',
  '        files:',
  '          - url: git+https://example.org/demo.git#v2.36.12',
  '            path: ${source.dir}/demo-2.36.12.tar.gz',
  '      pipeline:',
  '        - runs: |',
  '            tar -xf demo-2.36.12.tar.gz --strip-components=1',
  '            ./configure --with-libother=12.36.12',
  '          with:',
  '            rel: 1',
  'accounts:',
  '  users:',
  '    - name: demo',
  '      uid: 1',
  '',
].join('\n');

const change = (name: string, old: string, next: string): VarChange => ({ name, old, new: next });
const bump = [change('VERSION', '2.36.12', '2.36.13')];

describe('patchDefinition touches only what the change means (issue 12)', () => {
  const out = patchDefinition(DEFINITION, bump, 'image/demo/debian-13/2.yaml').text;
  const lines = out.split('\n');

  it.each([
    'libother=12.36.12',
    'tool=2.36.121',
    'x=1.2.36.12',
    'y=2.36.12.1',
    'z=v2.36.120',
    '--with-libother=12.36.12',
  ])('leaves the near-collision %s untouched (another version that holds the old value)', (pin) => {
    expect(lines.some((l) => l.trimStart().endsWith(pin))).toBe(true);
  });

  it('changes the whole tokens in every rendering site', () => {
    for (const want of [
      'name: Demo 2.36.13',
      '  - 2.36.13-debian13',
      '  - 2.36.13-r1-alpine3.24',
      '  VERSION: 2.36.13',
      '    - demo=2.36.13-1',
      '    - demo-doc=2.36.13+deb12u1',
      '          - url: git+https://example.org/demo.git#v2.36.13',
      '            path: ${source.dir}/demo-2.36.13.tar.gz',
      '            tar -xf demo-2.36.13.tar.gz --strip-components=1',
    ]) {
      expect(lines).toContain(want);
    }
  });

  it('leaves what is not a rendering alone: comments, dates, keys', () => {
    expect(lines[0]).toBe('# Built from 2.36.12 (reviewed against v2.36.12); keep this comment as it is.');
    expect(lines).toContain('  release: "2.36.12"');
  });

  it('leaves a version inside a digest-pinned reference alone unless its digest moves too', () => {
    expect(out).toContain(`  OTHER_REFERENCE: dhi/other:2.36.12-debian13@sha256:${DIGEST}`);
    expect(out).toContain(`      uses: dhi.io/other:2.36.12-debian13@sha256:${DIGEST}`);
    const moved = patchDefinition(
      DEFINITION,
      [...bump, change('OTHER_DIGEST', `sha256:${DIGEST}`, `sha256:${'b'.repeat(64)}`)],
      'x.yaml',
    ).text;
    expect(moved).toContain(`      uses: dhi.io/other:2.36.13-debian13@sha256:${'b'.repeat(64)}`);
  });

  it('changes exactly the lines it must, and every other line stays byte-identical', () => {
    const before = DEFINITION.split('\n');
    const changed = before.map((l, i) => (l === lines[i] ? -1 : i + 1)).filter((n) => n > 0);
    expect(changed).toEqual([2, 4, 5, 9, 14, 15, 26, 27, 30]);
  });

  it('moves a bare revision number only under its own name and where it is rendered after a version', () => {
    const rel = patchDefinition(DEFINITION, [change('REL', '1', '0')], 'x.yaml').text;
    const diff = DEFINITION.split('\n')
      .map((l, i) => [l, rel.split('\n')[i]] as const)
      .filter(([a, b]) => a !== b);
    expect(diff).toEqual([
      ['  - 2.36.12-r1-alpine3.24', '  - 2.36.12-r0-alpine3.24'],
      ['  REL: "1"', '  REL: "0"'],
      ['    - demo=2.36.12-1', '    - demo=2.36.12-0'],
      ['            rel: 1', '            rel: 0'],
    ]);
    // `--strip-components=1`, `uid: 1` and every other "1" keep their text.
  });

  it('writes a string that would load as a number double-quoted (the variable stays a string)', () => {
    const text = patchDefinition(
      'vars:\n  VERSION: 26.1.2\n  SEMVER: 26.1.2 # same\n',
      [change('VERSION', '26.1.2', '26.2')],
      'x.yaml',
    ).text;
    expect(text).toBe('vars:\n  VERSION: "26.2"\n  SEMVER: "26.2" # same\n');
  });

  it('takes a value with a leading v, an epoch or Debian metadata as one token', () => {
    const text = [
      'vars:',
      '  TAG: v2.36.12',
      '  DEB: 1:2.36.12-1+deb12u1',
      'contents:',
      '  packages:',
      '    - a=1:2.36.12-1+deb12u1',
      '    - b=1:2.36.12-1+deb12u10',
      '    - c=xv2.36.12',
      '',
    ].join('\n');
    const out2 = patchDefinition(
      text,
      [change('TAG', 'v2.36.12', 'v2.36.13'), change('DEB', '1:2.36.12-1+deb12u1', '1:2.36.12-1+deb12u2')],
      'x.yaml',
    ).text;
    expect(out2).toBe(
      text
        .replace('TAG: v2.36.12', 'TAG: v2.36.13')
        .replace(/\+deb12u1$/m, '+deb12u2')
        .replace('a=1:2.36.12-1+deb12u1', 'a=1:2.36.12-1+deb12u2'),
    );
    expect(out2).toContain('b=1:2.36.12-1+deb12u10');
    expect(out2).toContain('c=xv2.36.12');
  });
});
