import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Build, Definition } from '@patch-factory/definitions';
import { startCustomAptRepo, type CustomAptPackage, type CustomAptRepo } from '@patch-factory/testing';
import { buildDefinitionText } from '../build/build-definition';
import { buildImage, hostArchitecture } from '../build/build-image';
import { startExampleMirror, tempDir, type ExampleMirror } from './example.fixture';
import { handDeb, withDirs, type RawEntry } from './failure-debs.fixture';
import { expectCleanFailure, rejection, snapshotDir, type CleanFailureContext } from './failure-expect.fixture';
import { existing, pathsNamed, wouldBeTargets } from './failure-host.fixture';
import { lastLayerEntries } from './failure-layout.fixture';

jest.setTimeout(300_000);

/** In every hostile entry's name: a search for it on the host finds what escaped. */
const TOKEN = `pf-evil-${randomBytes(4).toString('hex')}`;
const WHERE = 'failures/image.yaml';

const HOSTILE: { title: string; name: string; entries: RawEntry[]; named: string; targets: string[] }[] = [
  {
    title: 'a ../../ entry',
    name: 'evil-dotdot',
    entries: [{ name: `../../etc/${TOKEN}`, data: 'x' }],
    named: `"../../etc/${TOKEN}"`,
    targets: [`../../etc/${TOKEN}`],
  },
  {
    title: 'an absolute entry',
    name: 'evil-absolute',
    entries: [{ name: `/etc/${TOKEN}`, data: 'x' }],
    named: `"/etc/${TOKEN}"`,
    targets: [`/etc/${TOKEN}`],
  },
  {
    title: 'a symlink out of the root, and a file written through it',
    name: 'evil-symlink-out',
    entries: [
      { name: './', flag: '5' },
      { name: './escape', flag: '2', link: `../../../../../../../../tmp/${TOKEN}` },
      { name: `./escape/${TOKEN}`, data: 'x' },
    ],
    named: '"escape"',
    targets: [`/tmp/${TOKEN}`, `/tmp/${TOKEN}/${TOKEN}`, 'escape'],
  },
  {
    title: 'a file written through a symlink to /etc',
    name: 'evil-through-link',
    entries: [
      { name: './', flag: '5' },
      { name: './etc-link', flag: '2', link: '/etc' },
      { name: `./etc-link/${TOKEN}`, data: 'x' },
    ],
    named: `"./etc-link/${TOKEN}"`,
    targets: [`/etc/${TOKEN}`, 'etc-link'],
  },
  {
    title: 'a hard link to /etc/shadow',
    name: 'evil-hardlink',
    entries: [
      { name: './', flag: '5' },
      { name: `./${TOKEN}-shadow`, flag: '1', link: '/etc/shadow' },
    ],
    named: `"./${TOKEN}-shadow"`,
    targets: [`${TOKEN}-shadow`],
  },
];

const PACKAGES: CustomAptPackage[] = [
  handDeb({ name: 'good-pkg', entries: withDirs({ 'usr/share/doc/good-pkg/README': 'good\n' }) }),
  handDeb({ name: 'hello', version: '1.0-1', entries: withDirs({ 'usr/share/hello/v': '1\n' }) }),
  handDeb({ name: 'hello', version: '2.0-1', entries: withDirs({ 'usr/share/hello/v': '2\n' }) }),
  handDeb({ name: 'chain-app', depends: 'chain-lib', entries: withDirs({ 'usr/share/chain/app': 'a\n' }) }),
  handDeb({ name: 'chain-lib', depends: 'chain-base (>= 2.0)', entries: withDirs({ 'usr/share/chain/lib': 'b\n' }) }),
  handDeb({ name: 'chain-base', version: '1.0', entries: withDirs({ 'usr/share/chain/base': 'c\n' }) }),
  handDeb({ name: 'tampered-bytes', entries: withDirs({ 'usr/share/tampered/bytes': 'b\n' }) }),
  handDeb({ name: 'tampered-longer', entries: withDirs({ 'usr/share/tampered/longer': 'l\n' }) }),
  handDeb({ name: 'conflict-a', entries: withDirs({ 'usr/share/pf-conflict/same.txt': 'from a\n' }) }),
  handDeb({ name: 'conflict-b', entries: withDirs({ 'usr/share/pf-conflict/same.txt': 'from b\n' }) }),
  ...HOSTILE.map((h) => handDeb({ name: h.name, entries: h.entries })),
];

let repo: CustomAptRepo;
let work: string;
let cacheDir: string;
let ctx: CleanFailureContext;

beforeAll(async () => {
  repo = await startCustomAptRepo({ packages: PACKAGES, architectures: ['amd64'] });
  work = tempDir('pf-build-failures-');
  cacheDir = join(work, 'cache');
  const goodLayout = join(work, 'good');
  await buildImage(definition(['good-pkg']), {
    where: WHERE,
    outDir: goodLayout,
    cacheDir,
    sources: { keyringDir: repo.keyringDir },
  });
  expect(readdirSync(goodLayout).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  ctx = { work, goodLayout };
  // Changed after the index was signed: one byte flipped (same size), and bytes appended.
  const flipped = readFileSync(repo.poolPath('tampered-bytes'));
  flipped[flipped.length >> 1] = (flipped[flipped.length >> 1] ?? 0) ^ 0xff;
  writeFileSync(repo.poolPath('tampered-bytes'), flipped);
  writeFileSync(
    repo.poolPath('tampered-longer'),
    Buffer.concat([readFileSync(repo.poolPath('tampered-longer')), Buffer.alloc(4096, 0x41)]),
  );
});
afterAll(async () => {
  await repo?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function definition(packages: string[], repositories?: string[]): Definition {
  return {
    name: 'failures',
    platforms: ['linux/amd64'],
    contents: {
      repositories: repositories ?? [`deb [signed-by=${repo.keyringName}] ${repo.baseUrl} bookworm main`],
      packages,
    },
  };
}

const build = (def: Definition) => (outDir: string) =>
  buildImage(def, { where: WHERE, outDir, cacheDir, sources: { keyringDir: repo.keyringDir } });

describe('a build from a bad repository or definition fails with its reason and leaves no output', () => {
  it('an unknown package is build-unresolvable, naming it', async () => {
    await expectCleanFailure(ctx, build(definition(['good-pkg', 'no-such-pkg'])), 'build-unresolvable', [
      'no-such-pkg',
      'no package or provider named no-such-pkg',
    ]);
  });

  it('a pin of a version the index does not have is build-unresolvable (apt-pin-not-found), naming the versions there are', async () => {
    const error = await expectCleanFailure(ctx, build(definition(['hello=9.9-9'])), 'build-unresolvable', [
      'hello=9.9-9',
      'it has 2.0-1, 1.0-1',
    ]);
    const causes: string[] = [];
    for (let c: unknown = error.cause; c !== undefined && causes.length < 5; c = (c as { cause?: unknown }).cause)
      causes.push(String((c as { code?: unknown }).code));
    expect(causes).toContain('apt-pin-not-found');
  });

  it('a dependency chain that cannot be met names the chain', async () => {
    await expectCleanFailure(ctx, build(definition(['chain-app'])), 'build-unresolvable', [
      'chain-app -> chain-lib -> chain-base (>= 2.0)',
      'the index has 1.0',
    ]);
  });

  it.each([
    ['a byte changed', 'tampered-bytes', 'has SHA256'],
    ['bytes appended', 'tampered-longer', 'sends more than'],
  ])(
    'a pool file changed after the index was signed (%s) is build-checksum-mismatch and is not cached',
    async (_title, name, why) => {
      const signed = PACKAGES.find((p) => p.stanza['Package'] === name) as CustomAptPackage;
      await expectCleanFailure(ctx, build(definition(['good-pkg', name])), 'build-checksum-mismatch', [
        name,
        why,
        'tampered with',
      ]);
      const sha = createHash('sha256').update(signed.deb).digest('hex');
      const cached = readdirSync(join(cacheDir, 'packages', 'sha256'));
      expect(cached).not.toContain(sha);
      expect(cached.filter((f) => f.startsWith('.'))).toEqual([]);
      // The good package of the same build is cached, checked: only the tampered one is missing.
      const good = PACKAGES.find((p) => p.stanza['Package'] === 'good-pkg') as CustomAptPackage;
      expect(cached).toContain(createHash('sha256').update(good.deb).digest('hex'));
    },
  );

  it.each(HOSTILE.map((h) => [h.title, h] as const))(
    'a package with %s is build-unsafe-archive, naming the entry, and writes nothing on the host',
    async (_title, h) => {
      const shadow = existsSync('/etc/shadow') ? statSync('/etc/shadow') : undefined;
      await expectCleanFailure(ctx, build(definition(['good-pkg', h.name])), 'build-unsafe-archive', [
        `${h.name}_1.0_all.deb data.tar.gz`,
        h.named,
      ]);
      const bases = [work, cacheDir, ctx.goodLayout, process.cwd(), tmpdir(), '/'];
      expect(existing(h.targets.flatMap((t) => wouldBeTargets(t, bases)))).toEqual([]);
      expect(pathsNamed(TOKEN, [tmpdir(), '/etc', work])).toEqual([]);
      if (shadow)
        expect(statSync('/etc/shadow')).toMatchObject({
          nlink: shadow.nlink,
          ino: shadow.ino,
          size: shadow.size,
          mtimeMs: shadow.mtimeMs,
        });
    },
  );

  it('two packages shipping different files at one path are build-file-conflict, naming both', async () => {
    await expectCleanFailure(ctx, build(definition(['conflict-a', 'conflict-b'])), 'build-file-conflict', [
      'package conflict-b',
      'conflict-a already installed',
      '/usr/share/pf-conflict/same.txt',
    ]);
  });

  it('a hostile repository line (trusted=yes) is refused, naming contents.repositories[0]', async () => {
    const def = definition(['good-pkg'], [`deb [trusted=yes] ${repo.baseUrl} bookworm main`]);
    await expectCleanFailure(ctx, build(def), 'build-repository-invalid', [
      `${WHERE}: contents.repositories[0]`,
      'trusted=',
      'weaken the signature checks',
    ]);
  });

  it('a definition invalid against the schema is build-definition-invalid, located file:line:col', async () => {
    const text = [
      'name: broken',
      'platforms:',
      '  - linux/amd64',
      'contents:',
      '  repositories:',
      `    - deb [signed-by=${repo.keyringName}] ${repo.baseUrl} bookworm main`,
      '  packages:',
      '    - good-pkg',
      '  pakages:',
      '    - typo',
      '',
    ].join('\n');
    const run = (outDir: string) =>
      buildDefinitionText(text, {
        where: 'failures/broken.yaml',
        outDir,
        cacheDir,
        sources: { keyringDir: repo.keyringDir },
      });
    await expectCleanFailure(ctx, run, 'build-definition-invalid', [
      'failures/broken.yaml is not a valid definition (1 problem)',
      'failures/broken.yaml:9:3',
      'pakages',
    ]);
  });

  it('an output that is a directory of other things, or a file, is build-out-dir-unsafe and left as it was', async () => {
    const parent = mkdtempSync(join(work, 'case-'));
    const mine = join(parent, 'mine');
    mkdirSync(join(mine, 'sub'), { recursive: true });
    writeFileSync(join(mine, 'notes.txt'), 'keep me\n');
    writeFileSync(join(mine, 'sub', 'data.bin'), randomBytes(64));
    writeFileSync(join(parent, 'a-file'), 'not a directory\n');
    const before = snapshotDir(parent);
    await rejection(build(definition(['good-pkg']))(mine), 'build-out-dir-unsafe', [
      mine,
      'is a directory with other contents (no oci-layout file)',
    ]);
    await rejection(build(definition(['good-pkg']))(join(parent, 'a-file')), 'build-out-dir-unsafe', [
      'a-file',
      'exists and is not a directory',
    ]);
    expect(snapshotDir(parent)).toEqual(before);
  });
});

describe('contents.builds[] runs in the sandbox on real Debian packages', () => {
  let mirror: ExampleMirror;
  const arch = hostArchitecture();
  const platform = arch === 'arm64' ? 'linux/arm64' : 'linux/amd64';
  beforeAll(async () => {
    mirror = await startExampleMirror([arch]);
  });
  afterAll(async () => {
    await mirror?.fixture.close();
    // startExampleMirror's keyring directory: fixture.close() does not remove it.
    if (mirror) rmSync(mirror.sources.keyringDir, { recursive: true, force: true });
  });

  const withBuild = (b: Build): Definition => ({
    name: 'builds',
    platforms: [platform],
    contents: {
      repositories: [
        'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] https://deb.debian.org/debian bookworm main',
      ],
      builds: [b],
    },
  });
  const run = (def: Definition, sandbox?: 'bwrap' | 'chroot') => (outDir: string) =>
    buildImage(def, { where: WHERE, outDir, cacheDir, sources: mirror.sources, ...(sandbox ? { sandbox } : {}) });

  it('a failing step is build-step-failed with its exit code and the tail of its output', async () => {
    const def = withBuild({
      contents: { packages: ['dash', 'coreutils'] },
      pipeline: [{ name: 'boom', runs: 'echo about to fail; exit 3' }],
    });
    await expectCleanFailure(ctx, run(def), 'build-step-failed', [
      `${WHERE}: contents.builds[0].pipeline[0] "boom" failed with exit code 3`,
      'about to fail',
    ]);
  });

  it.each(['bwrap', 'chroot'] as const)(
    'a passing step’s outputs go into the image with the owner and mode asked for (%s)',
    async (sandbox) => {
      const def = withBuild({
        contents: { packages: ['dash', 'coreutils'] },
        pipeline: [
          {
            name: 'make',
            runs: 'mkdir -p /out && echo "built by $(id -u) with $(basename "$(readlink -f /bin/sh)")" > /out/greeting',
          },
        ],
        outputs: [{ source: '/out/greeting', target: '/usr/share/pf/greeting', uid: 65532, gid: 65532, mode: '0640' }],
      });
      const outDir = join(mkdtempSync(join(work, 'case-')), 'image');
      const result = await run(def, sandbox)(outDir);
      expect(result.platforms[0]?.packages).toEqual([]); // the build's packages stay in the build root
      expect(result.platforms[0]?.layers).toEqual(['image']);
      const greeting = lastLayerEntries(outDir).find((e) => e.path === 'usr/share/pf/greeting');
      expect(greeting).toMatchObject({ type: 'file', uid: 65532, gid: 65532, mode: 0o640 });
      expect(greeting?.data.toString()).toBe('built by 0 with dash\n');
    },
  );
});
