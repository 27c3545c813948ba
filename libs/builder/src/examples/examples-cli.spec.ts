import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage } from '../build/build-image';
import { checkCliBuilt, cliEnv, lastLine, patchFactory } from './accepted-cli.fixture';
import { layoutIndex } from './accepted-images.fixture';
import {
  EXAMPLES,
  exampleDefinition,
  exampleFile,
  startExampleMirror,
  tempDir,
  type ExampleMirror,
} from './example.fixture';

/**
 * `patch-factory build` as people run it (dist/tools/cli/src/main.js in its own process; run
 * `npm run build` first), against the loopback Debian 12 mirror through PF_BUILD_*.
 */

jest.setTimeout(300_000);

const STATIC = join('examples', 'catalog', 'image', EXAMPLES.static);
const DIGEST = /^sha256:[0-9a-f]{64}$/;

let mirror: ExampleMirror;
let work: string;
let env: NodeJS.ProcessEnv;
let out: string;

beforeAll(async () => {
  checkCliBuilt();
  mirror = await startExampleMirror(['amd64']);
  work = tempDir('pf-cli-build-');
  env = cliEnv({ ...mirror.env, PF_BUILD_CACHE_DIR: join(work, 'cache') });
  out = join(work, 'static');
});
afterAll(async () => {
  await mirror?.fixture.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const build = (...args: string[]) => patchFactory(['build', ...args], env);
/** Nothing of a layout at `dir`, nor a half-written one beside it. */
const nothingWritten = (dir: string) => [existsSync(dir), readdirSync(work).filter((f) => f.includes('.tmp-'))];

describe('patch-factory build', () => {
  it("builds the static example for linux/amd64 and prints the layout's digest last", async () => {
    const res = await build(STATIC, '--out', out, '--platform', 'linux/amd64');
    expect({ code: res.code, stderr: res.stderr }).toMatchObject({ code: 0 });
    const digest = lastLine(res.stdout);
    expect(digest).toMatch(DIGEST);
    expect(layoutIndex(out).top.digest).toBe(digest);
    expect(layoutIndex(out).manifests.map((m) => m.platform?.architecture)).toEqual(['amd64']);
    expect(res.stdout).toMatch(/^linux\/amd64 {2}4 packages {2}5 layers$/m);
    // The library, built in this process with the same inputs, agrees.
    const lib = await buildImage(exampleDefinition('static'), {
      where: EXAMPLES.static,
      outDir: join(work, 'lib'),
      cacheDir: join(work, 'lib-cache'),
      sources: mirror.sources,
      platforms: ['linux/amd64'],
    });
    expect(lib.digest).toBe(digest);
  });

  it('an unchanged rebuild keeps the layout as it is and prints the same digest', async () => {
    const first = layoutIndex(out).top.digest;
    const before = statSync(join(out, 'index.json'));
    const again = await build(STATIC, '--out', out, '--platform', 'linux/amd64');
    expect(again.code).toBe(0);
    expect(lastLine(again.stdout)).toBe(first);
    expect(again.stderr).toContain('nothing rebuilt');
    const after = statSync(join(out, 'index.json'));
    expect({ ino: after.ino, mtime: after.mtimeMs }).toEqual({ ino: before.ino, mtime: before.mtimeMs });
  });

  it('without --out: a usage error (exit 2), nothing written', async () => {
    const res = await build(STATIC, '--platform', 'linux/amd64');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--out <dir> is required');
    expect(res.stderr).toContain('usage: patch-factory build');
    expect(res.stdout).toBe('');
  });

  it('--platform windows/amd64: refused as a platform the definition does not have, nothing written', async () => {
    const dir = join(work, 'windows');
    const res = await build(STATIC, '--out', dir, '--platform', 'windows/amd64');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /^error build-platform-unsupported: .*windows\/amd64 is not in the definition's platforms/m,
    );
    expect(nothingWritten(dir)).toEqual([false, []]);
  });

  it('a definition file that does not exist: definition-unreadable, nothing written', async () => {
    const dir = join(work, 'missing');
    const res = await build(join(work, 'no-such.yaml'), '--out', dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error definition-unreadable: cannot read .*no-such\.yaml/m);
    expect(nothingWritten(dir)).toEqual([false, []]);
  });

  it('a package the archive does not have: build-unresolvable, no layout, and a previous layout untouched', async () => {
    const file = join(work, 'unknown.yaml');
    writeFileSync(
      file,
      readFileSync(exampleFile('static'), 'utf8').replace('    - tzdata\n', '    - tzdata\n    - pf-no-such-package\n'),
    );
    expect(readFileSync(file, 'utf8')).toContain('pf-no-such-package');
    const dir = join(work, 'unknown');
    const res = await build(file, '--out', dir, '--platform', 'linux/amd64');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error build-unresolvable: .*pf-no-such-package/m);
    expect(res.stdout).toBe('');
    expect(nothingWritten(dir)).toEqual([false, []]);

    const index = readFileSync(join(out, 'index.json'));
    const onGood = await build(file, '--out', out, '--platform', 'linux/amd64');
    expect(onGood.code).toBe(1);
    expect(readFileSync(join(out, 'index.json'))).toEqual(index);
  });
});

describe('patch-factory sbom', () => {
  let layout: string;
  beforeAll(async () => {
    layout = join(work, 'sbom-static');
    const res = await build(STATIC, '--out', layout, '--platform', 'linux/amd64');
    expect(res.code).toBe(0);
  });

  it('writes a CycloneDX 1.6 SBOM of the built image: every package with its purl, the same bytes twice', async () => {
    const first = await patchFactory(['sbom', layout, '--format', 'cyclonedx'], env);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const bom = JSON.parse(first.stdout) as {
      specVersion: string;
      metadata: { component: { name: string; purl: string } };
      components: { name: string; purl: string }[];
    };
    expect(bom.specVersion).toBe('1.6');
    expect(bom.metadata.component.purl).toContain(`@${encodeURIComponent(layoutIndex(layout).top.digest)}`);
    expect(bom.components.map((c) => c.name).sort()).toEqual(['base-files', 'ca-certificates', 'netbase', 'tzdata']);
    expect(bom.components.find((c) => c.name === 'tzdata')?.purl).toMatch(
      /^pkg:deb\/debian\/tzdata@[^?]+\?arch=all&distro=debian-12$/,
    );
    const second = await patchFactory(['sbom', layout, '--format', 'cyclonedx'], env);
    expect(second.stdout).toBe(first.stdout);
  });

  it('writes SPDX 2.3 too, and refuses a missing --format or a directory that is not a layout', async () => {
    const spdx = await patchFactory(['sbom', layout, '--format', 'spdx'], env);
    expect(spdx.code).toBe(0);
    const doc = JSON.parse(spdx.stdout) as { spdxVersion: string; packages: { name: string }[] };
    expect(doc.spdxVersion).toBe('SPDX-2.3');
    expect(doc.packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(['base-files', 'ca-certificates', 'netbase', 'tzdata']),
    );
    const noFormat = await patchFactory(['sbom', layout], env);
    expect(noFormat.code).toBe(2);
    expect(noFormat.stderr).toContain('--format must be cyclonedx or spdx');
    const notLayout = await patchFactory(['sbom', work, '--format', 'spdx'], env);
    expect(notLayout.code).toBe(1);
    expect(notLayout.stderr).toMatch(/error image-/);
  });
});
