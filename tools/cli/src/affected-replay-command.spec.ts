import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { runCli } from './cli';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { PF_API_URL: 'not a url' },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

const CORPUS = join(repoRoot(), '..', 'shared', 'corpus');

describe('patch-factory definitions affected', () => {
  let dir: string;
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pf-cli-affected-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the affected definitions with their reasons and a count', async () => {
    put('image/a/debian-13/1.yaml', 'contents:\n  packages:\n    - openssl=3.0.1-1\n');
    put('image/b/debian-13/1.yaml', 'contents:\n  packages:\n    - openssl=3.9.0-1\n');
    put('image/c/debian-13/1.yaml', 'contents:\n  packages:\n    - curl\n');
    const r = await cli('definitions', 'affected', dir, 'pkg:deb/debian/openssl', '--below', '3.5.0-1');
    expect(r).toEqual({
      code: 0,
      stdout: 'image/a/debian-13/1.yaml  pins openssl=3.0.1-1 < 3.5.0-1\n1 affected of 3 definitions\n',
      stderr: '',
    });
  });

  it('refuses a hostile or unknown ref as a usage error, before reading anything', async () => {
    for (const ref of ['../../etc/passwd', 'a;rm -rf /', '$(x)', 'pkg:npm/x']) {
      const r = await cli('definitions', 'affected', dir, ref);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/patch-factory: .* is (not|neither)/);
    }
  });

  it('answers over the real catalog', async () => {
    const r = await cli('definitions', 'affected', join(CORPUS, 'dhi-catalog'), 'dhi/golang:1-debian13-dev');
    expect(r.code).toBe(0);
    const last = r.stdout.trim().split('\n').at(-1) as string;
    expect(last).toMatch(/^(\d+) affected of 2582 definitions$/);
    expect(Number(/^(\d+)/.exec(last)?.[1])).toBeGreaterThan(5);
  });
});

describe('patch-factory patch replay', () => {
  it('replays the real bot commits and ends with N/M byte-identical', async () => {
    const r = await cli('patch', 'replay', join(CORPUS, 'dhi-bot-updates.jsonl'));
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const m = /^(\d+)\/800 byte-identical$/.exec(lines.at(-1) as string);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(700);
    const share = lines.find((l) => l.startsWith('package and image-reference cases: '));
    expect(Number(/\((\d+\.\d)%\)/.exec(share ?? '')?.[1])).toBeGreaterThanOrEqual(95);
    expect(lines.some((l) => /^github: \d+\/\d+$/.test(l))).toBe(true);
  });

  it('reports lines that are not cases and a file that cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-cli-replay-'));
    try {
      writeFileSync(join(dir, 'cases.jsonl'), '{"id":"x"}\nnot json\n');
      const r = await cli('patch', 'replay', join(dir, 'cases.jsonl'));
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('line 1: not a case: updates: ');
      expect(r.stdout).toContain('line 2: not a case: not JSON');
      expect(r.stdout).toContain('0/0 byte-identical');
      expect(r.stderr).toContain('no-cases');
      const missing = await cli('patch', 'replay', join(dir, 'nope.jsonl'));
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('ENOENT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
