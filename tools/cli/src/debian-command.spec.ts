import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { runCli } from './cli';

async function compare(input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['debian', 'compare-versions'], {
    env: {},
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdin: () => Promise.resolve(input),
  });
  return { code, stdout, stderr };
}

const PAIRS = [
  ['1.0', '1.0-0'],
  ['1.0~rc1', '1.0'],
  ['1:0.9', '2.0'],
  ['2.36-9+deb12u7', '2.36-9+deb12u10'],
  ['1.0a', '1.0+'],
  ['1.01', '1.1'],
  ['3.0.11-1~deb12u2', '3.0.11-1'],
  ['7.88.1-10+deb12u5', '7.88.1-10+deb12u12'],
  ['0~20230101', '0'],
  ['1.2.3+dfsg-1', '1.2.3-1'],
  ['9.2p1-2+deb12u3', '9.2p1-2+deb12u10'],
  ['1:2.38.1-5+deb12u3', '2.40'],
];

describe('patch-factory debian compare-versions', () => {
  it('prints <, = or > for each pair exactly as dpkg --compare-versions orders them', async () => {
    const input = PAIRS.map(([a, b]) => `${a} ${b}`).join('\n') + '\n';
    const dpkg = execFileSync(
      'bash',
      [
        '-c',
        `while read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo '<'; elif dpkg --compare-versions "$a" eq "$b"; then echo '='; else echo '>'; fi; done`,
      ],
      { input },
    ).toString('utf8');
    const result = await compare(input);
    expect(result).toEqual({ code: 0, stdout: dpkg, stderr: '' });
    expect(dpkg.split('\n')).toContain('=');
  });

  it('prints an error line naming the line number for a bad line, and exits 1', async () => {
    const result = await compare('1.0 2.0\n\nonly-one\n1.0 abc\n2.0   1.0\n1 2 3\n\u001b[31m 1\n');
    expect(result.stdout.split('\n')).toEqual([
      '<',
      'error line 3: expected two versions "A B", got 1 word',
      'error line 4: "abc" is not a Debian version ([epoch:]upstream[-revision], upstream starting with a digit)',
      '>',
      'error line 6: expected two versions "A B", got 3 words',
      expect.stringMatching(/^error line 7: "\S* is not a Debian version/),
      '',
    ]);
    expect(result.stdout).not.toContain('\u001b');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error bad-lines: 4 lines are not two Debian versions (see "error line" above)\n');
  });

  it('prints nothing for empty input and refuses arguments', async () => {
    expect(await compare('')).toEqual({ code: 0, stdout: '', stderr: '' });
    let stderr = '';
    const code = await runCli(['debian', 'compare-versions', 'x'], {
      env: {},
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
    });
    expect(code).toBe(2);
    expect(stderr).toContain('unexpected argument');
  });

  it('reads standard input in the built command (dist/tools/cli/src/main.js)', () => {
    const main = join(repoRoot(), 'dist/tools/cli/src/main.js');
    expect(existsSync(main)).toBe(true);
    const run = spawnSync(
      process.execPath,
      [join(repoRoot(), 'tools/node/run.cjs'), main, 'debian', 'compare-versions'],
      { input: '1.0 1.0-0\n1:1 2\nbad\n', encoding: 'utf8', timeout: 30_000 },
    );
    expect({ status: run.status, stdout: run.stdout }).toEqual({
      status: 1,
      stdout: '=\n>\nerror line 3: expected two versions "A B", got 1 word\n',
    });
  });
});
