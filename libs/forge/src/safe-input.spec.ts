import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { TerminalError } from '@patch-factory/contracts';
import { ForgeErrorCode } from './forge-errors';
import { branchNameFor, imageStreamFromPath } from './image-stream';
import { assertSafeBranch, assertSafeCatalogPath, assertSafeRunId, assertSafeVarValue, quoteInput } from './safe-input';

const HOSTILE_SEGMENTS = [
  '../etc',
  '..',
  'a;rm -rf',
  '$(id)',
  '`id`',
  'ngi\nnx',
  'nginx\r',
  '-rf',
  '--upload-pack=x',
  'a'.repeat(201),
  'ngin\u0445', // Cyrillic ha, looks like x
  '\uff4e\uff47\uff49\uff4e\uff58', // full-width nginx
  'nginx\u200b', // zero-width space
  '',
  'a..b',
  'x.lock',
  'x.',
  '.hidden',
  'a/b',
  'a b',
  'NGINX',
  'a@{1}',
  'a~1',
  'a^',
  'a:b',
  'a\\b',
];

function expectRefused(fn: () => unknown): TerminalError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as TerminalError).code).toBe(ForgeErrorCode.unsafeInput);
    expect((error as TerminalError).message).not.toMatch(/[\n\r]/);
    return error as TerminalError;
  }
  throw new Error('expected a refusal');
}

describe('branch names', () => {
  it('are pf/<image>/<os>/<stream>', () => {
    expect(branchNameFor({ image: 'nginx', os: 'debian-13', stream: '1.27-dev' })).toBe('pf/nginx/debian-13/1.27-dev');
    expect(branchNameFor({ image: 'php', os: 'alpine-3.22', stream: '8.4' }, 'factory')).toBe(
      'factory/php/alpine-3.22/8.4',
    );
  });

  it.each(HOSTILE_SEGMENTS.map((s) => [quoteInput(s), s]))('refuse the segment %s in any position', (_label, s) => {
    expectRefused(() => branchNameFor({ image: s, os: 'debian-13', stream: '1' }));
    expectRefused(() => branchNameFor({ image: 'nginx', os: s, stream: '1' }));
    expectRefused(() => branchNameFor({ image: 'nginx', os: 'debian-13', stream: s }));
    expectRefused(() => branchNameFor({ image: 'nginx', os: 'debian-13', stream: '1' }, s));
  });

  it('refuse whole hostile branch names', () => {
    for (const b of [
      'pf/../x',
      '-x',
      'pf/x;y',
      'pf/$(id)',
      'pf/a\nb',
      'pf//a',
      'pf/a/',
      '/pf/a',
      'pf/a.lock',
      `pf/${'a'.repeat(99)}/${'b'.repeat(99)}/c`,
      'pf/a@{1}',
      'HEAD',
    ]) {
      expectRefused(() => assertSafeBranch(b));
    }
  });

  it('are accepted by git check-ref-format --branch for every stream of the real catalog', () => {
    const imageDir = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog', 'image');
    const names: string[] = [];
    for (const image of readdirSync(imageDir)) {
      for (const os of readdirSync(join(imageDir, image), { withFileTypes: true }).filter((d) => d.isDirectory())) {
        for (const f of readdirSync(join(imageDir, image, os.name))) {
          if (!f.endsWith('.yaml') || f.startsWith('.')) continue;
          names.push(branchNameFor(imageStreamFromPath(`image/${image}/${os.name}/${f}`)));
        }
      }
    }
    expect(names.length).toBeGreaterThan(2000);
    expect(new Set(names).size).toBe(names.length);
    // One git process checks them all (check-ref-format --stdin is not a thing; a loop in sh is).
    const script = 'while IFS= read -r b; do git check-ref-format --branch "$b" >/dev/null || echo "BAD $b"; done';
    const out = execFileSync('sh', ['-c', script], {
      input: names.join('\n') + '\n',
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(out).toBe('');
  });
});

describe('hostile input', () => {
  it('refuses catalog paths that escape, hide or carry shell syntax', () => {
    const paths = [
      '../x.yaml',
      '/etc/passwd.yaml',
      'image/../../x.yaml',
      'image/./x.yaml',
      'image/.git/config.yaml',
      'image/.GIT/hooks.yaml',
      'image/.gitmodules/x.yaml',
      'image/.GitAttributes/x.yaml',
      'image/a;b.yaml',
      'image/$(id).yaml',
      'image/a\n.yaml',
      '-x.yaml',
      'image/\u0445.yaml',
      `image/${'a'.repeat(200)}.yaml`,
      'image\\a.yaml',
      'image//a.yaml',
      'image/a.txt',
    ];
    for (const p of paths) expectRefused(() => assertSafeCatalogPath(p));
    for (const ok of [
      'image/trigger-dev/debian-13/.trigger-dev.inc.yaml',
      'image/gitlab-runner-helper/debian-13/.gitlab-runner-helper.inc.yaml',
    ]) {
      expect(assertSafeCatalogPath(ok)).toBe(ok);
    }
  });

  it('refuses run ids and values with line breaks or shell syntax, and quotes them safely', () => {
    for (const r of ['run_x', 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9\n', 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9;id', ''])
      expectRefused(() => assertSafeRunId(r));
    for (const v of ['1.2\n3', '`id`', '$(id)', '1 2', 'a|b', '<img>', 'x'.repeat(513)])
      expectRefused(() => assertSafeVarValue(v));
    const e = expectRefused(() => assertSafeVarValue('a\u202eb\nc'));
    expect(e.message).toContain('\\u202e');
  });
});
