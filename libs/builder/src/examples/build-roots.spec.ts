// A definition with `contents.builds[]`, built for real against the loopback Debian 12 mirror:
// every .deb fetched for the build root is recorded (build-time, apart from the image's
// packages), and the steps get SOURCE_DATE_EPOCH, so a step that stamps a date builds twice to
// the same digest.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Build, Definition } from '@patch-factory/definitions';
import { buildImage, hostArchitecture, type BuildImageResult } from '../build/build-image';
import { readImageRootFs } from '@patch-factory/oci';
import { exampleDefinition, startExampleMirror, tempDir, type ExampleMirror } from './example.fixture';
import { lastLayerEntries } from './failure-layout.fixture';

jest.setTimeout(300_000);

const WHERE = 'build-roots/static-stamped.yaml';
const EPOCH = 1_700_000_000;
const platform = hostArchitecture() === 'arm64' ? 'linux/arm64' : 'linux/amd64';

/**
 * The reproducible-builds idiom: the date is SOURCE_DATE_EPOCH's when it is set, else now
 * (nanoseconds, so two builds without it always differ).
 */
const STAMP: Build = {
  name: 'stamp',
  contents: { packages: ['dash', 'coreutils'] },
  pipeline: [
    {
      name: 'stamp',
      runs: 'mkdir -p /out && date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s.%N)}" "+built %Y-%m-%dT%H:%M:%S.%NZ" > /out/stamp',
    },
  ],
  outputs: [{ source: '/out/stamp', target: '/usr/share/pf/stamp', mode: '0644' }],
};

/** The static example, one platform (the host's: builds run commands), with the build above. */
function stamped(): Definition {
  const def = exampleDefinition('static');
  return { ...def, platforms: [platform], contents: { ...def.contents, builds: [STAMP] } };
}

/** The sha256 of every .deb in a package cache (content-addressed), checked against its content. */
function cachedDebs(cacheDir: string): string[] {
  const dir = join(cacheDir, 'packages', 'sha256');
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .map((n) => {
      const hex = createHash('sha256')
        .update(readFileSync(join(dir, n)))
        .digest('hex');
      expect(hex).toBe(n);
      return hex;
    })
    .sort();
}

describe('contents.builds[] build roots: recorded and reproducible', () => {
  let mirror: ExampleMirror;
  let work: string;
  let a: BuildImageResult;
  let b: BuildImageResult;

  beforeAll(async () => {
    mirror = await startExampleMirror([hostArchitecture()]);
    work = tempDir('pf-build-roots-');
    const build = (n: string) =>
      buildImage(stamped(), {
        where: WHERE,
        outDir: join(work, `image-${n}`),
        cacheDir: join(work, `cache-${n}`),
        sources: mirror.sources,
        sourceDateEpoch: EPOCH,
        reuse: false,
      });
    a = await build('a');
    b = await build('b');
  });
  afterAll(async () => {
    await mirror?.fixture.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('every step gets SOURCE_DATE_EPOCH: a step stamping a date builds twice to the same digest', () => {
    const stamp = lastLayerEntries(join(work, 'image-a')).find((e) => e.path === 'usr/share/pf/stamp');
    expect(stamp?.data.toString()).toBe('built 2023-11-14T22:13:20.000000000Z\n');
    expect(b.reused).toBe(false);
    expect(b.digest).toBe(a.digest);
  });

  it('records every .deb fetched for the build root with its sha256, apart from the image’s packages', () => {
    const [p] = a.platforms;
    expect(p?.buildRoots.map((r) => r.build)).toEqual(['contents.builds[0]']);
    const root = p?.buildRoots[0]?.packages ?? [];
    const names = root.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['dash', 'coreutils', 'libc6']));
    for (const pkg of root) {
      expect(pkg.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(pkg.url).toMatch(new RegExp(`/pool/main/.+/${pkg.name}_.+_(?:${hostArchitecture()}|all)\\.deb$`));
      expect(pkg.size).toBeGreaterThan(0);
    }
    // A fresh cache holds exactly the .debs this build fetched: each is recorded, runtime or build root.
    const recorded = new Set([...(p?.packages ?? []), ...root].map((r) => r.sha256));
    const fetched = cachedDebs(join(work, 'cache-a'));
    expect(fetched.filter((h) => !recorded.has(h))).toEqual([]);
    expect([...recorded].sort()).toEqual(fetched);
    // The build-root-only packages are not image packages.
    expect(p?.packages.map((r) => r.name)).not.toContain('dash');
    expect(p?.packages.map((r) => r.name)).not.toContain('coreutils');
  });

  it('the image’s package database (what the SBOM and the scan read) lists none of the build root’s own packages', async () => {
    const fs = await readImageRootFs(join(work, 'image-a'), { platform });
    const status = fs.get('var/lib/dpkg/status')?.data.toString() ?? '';
    const listed = [...status.matchAll(/^Package: (\S+)$/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(a.platforms[0]?.packages.map((r) => r.name).sort());
    for (const name of ['dash', 'coreutils']) expect(listed).not.toContain(name);
  });
});
