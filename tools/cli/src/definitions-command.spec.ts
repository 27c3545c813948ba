import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { runCli } from './cli';

/**
 * `patch-factory definitions validate`, run in-process through runCli with real files: it needs
 * no API (PF_API_URL may be anything), reads only the catalog layout, and prints
 * `file:line:col: path: message` lines, the counts, and `N valid, M invalid`.
 */

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function validate(...args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['definitions', 'validate', ...args], {
    env: { PF_API_URL: 'not a url' },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

const VALID = 'name: App\nimage: dhi.io/app\nvariant: runtime\ncontents:\n  packages:\n    - base-files\n';
const INFO =
  'metadata:\n  display-name: App\n  short-description: an app\n  featured: false\n  home-url: https://example.invalid/\n  categories: [developer-tools]\n';

describe('patch-factory definitions validate', () => {
  let dir: string;
  let outside: string;
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pf-cli-defs-'));
    outside = mkdtempSync(join(tmpdir(), 'pf-cli-outside-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('prints every problem of the invalid files, the counts, and exits 1', async () => {
    put('image/app/debian-13/1.yaml', VALID);
    put(
      'image/app/debian-13/2-dev.yaml',
      'name: App\nvariant: devel\ncontents:\n  packages:\n    - bash\n    - {name: curl}\nentrypont: [app]\n',
    );
    put('image/app/alpine-3.22/1.yaml', 'name: [unclosed\n');
    put('image/app/info.yaml', INFO);
    put('image/other/info.yaml', 'metadata:\n  display-name: Other\n');
    put('image/app/config/app.yaml', 'not: a definition\n');
    writeFileSync(join(outside, 'x.yaml'), 'name: [not read\n');
    symlinkSync(join(outside, 'x.yaml'), join(dir, 'image/app/debian-13/3.yaml'));

    const res = await validate(dir);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(1);
    const d = (p: string) => join(dir, p);
    expect(res.stdout.split('\n')).toEqual([
      `${d('image/app/alpine-3.22/1.yaml')}:2:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      `${d('image/app/debian-13/2-dev.yaml')}:2:10: variant: expected one of "dev", "runtime", "helm", got a string ("devel")`,
      `${d('image/app/debian-13/2-dev.yaml')}:6:7: contents.packages[1]: expected a string, got a mapping`,
      `${d('image/app/debian-13/2-dev.yaml')}:7:1: entrypont: unknown key "entrypont" (did you mean "entrypoint"?)`,
      `${d('image/other/info.yaml')}:2:3: metadata: missing required key "short-description"`,
      `${d('image/other/info.yaml')}:2:3: metadata: missing required key "featured"`,
      `${d('image/other/info.yaml')}:2:3: metadata: missing required key "home-url"`,
      `${d('image/other/info.yaml')}:2:3: metadata: missing required key "categories"`,
      `${d('image/app/debian-13/3.yaml')}: skipped: a symbolic link to a place outside the directory (not followed)`,
      'definitions: 1 valid, 2 invalid; info files: 1 valid, 1 invalid; 1 other YAML file skipped',
      '2 valid, 3 invalid',
      '',
    ]);
  });

  it('exits 0 when every file is valid, with paths as the directory was given', async () => {
    put('image/app/debian-13/1.yaml', VALID);
    put('image/app/info.yaml', INFO);
    const res = await validate(join(dir, 'image', '.'));
    expect(res).toEqual({
      code: 0,
      stdout: 'definitions: 1 valid, 0 invalid; info files: 1 valid, 0 invalid\n2 valid, 0 invalid\n',
      stderr: '',
    });
  });

  it('validates one named file, as a definition unless it is called info.yaml', async () => {
    put('draft.yaml', 'name: x\nports: [8080]\n');
    const res = await validate(join(dir, 'draft.yaml'));
    expect(res.code).toBe(1);
    expect(res.stdout).toBe(
      `${join(dir, 'draft.yaml')}:2:9: ports[0]: expected a string, got a number (8080)\ndefinitions: 0 valid, 1 invalid; info files: 0 valid, 0 invalid\n0 valid, 1 invalid\n`,
    );
    put('info.yaml', INFO);
    expect((await validate(join(dir, 'info.yaml'))).stdout).toBe(
      'definitions: 0 valid, 0 invalid; info files: 1 valid, 0 invalid\n1 valid, 0 invalid\n',
    );
  });

  it('escapes what the files say before it reaches the terminal', async () => {
    put('image/app/debian-13/1.yaml', 'name: x\n"evil\\e]0;pwned\\a\\u202e": 1\nlabels: {"\\e[2J": 3}\n');
    const res = await validate(dir);
    expect(res.code).toBe(1);
    expect([...res.stdout].filter((c) => c.charCodeAt(0) < 0x20 && c !== '\n')).toEqual([]);
    expect(res.stdout).not.toContain('\u202e');
    expect(res.stdout).toContain(
      ':2:1: ["evil\\u001b]0;pwned\\u0007\\u{202e}"]: unknown key "evil\\u001b]0;pwned\\u0007\\u{202e}"\n',
    );
    expect(res.stdout).toContain(':3:19: labels["\\u001b[2J"]: expected a string, got a number (3)\n');
  });

  it('says what is wrong with the path, and exits 1', async () => {
    expect(await validate(join(dir, 'nope'))).toEqual({
      code: 1,
      stdout: '',
      stderr: `error unreadable: cannot read ${join(dir, 'nope')}: no such file or directory\n`,
    });
    put('notes/readme.yaml', VALID);
    expect(await validate(dir)).toEqual({
      code: 1,
      stdout: '',
      stderr: `error no-catalog-files: no definition or info file in ${dir} (expected image/<name>/<os>/<stream>.yaml or image/<name>/info.yaml)\n`,
    });
  });

  it('needs exactly one path (exit 2)', async () => {
    const none = await validate();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /^patch-factory: definitions validate needs <dir-or-file>\nusage: patch-factory definitions validate <dir-or-file>\n/,
    );
    expect((await validate('a', 'b')).stderr).toMatch(
      /^patch-factory: unexpected argument "b" for definitions validate$/m,
    );
  });

  it('finds the real catalog valid: 2,582 definitions and 554 info files', async () => {
    const catalog = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog');
    const res = await validate(catalog);
    expect(res).toEqual({
      code: 0,
      stdout:
        'definitions: 2582 valid, 0 invalid; info files: 554 valid, 0 invalid; 4 other YAML files skipped\n3136 valid, 0 invalid\n',
      stderr: '',
    });
  });
});
