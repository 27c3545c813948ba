import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, type BuildImageResult } from '../build/build-image';
import {
  EXAMPLES,
  exampleDefinition,
  startExampleMirror,
  tempDir,
  type ExampleMirror,
  type ExampleName,
} from './example.fixture';

jest.setTimeout(300_000);

let mirror: ExampleMirror;
let work: string;
const first = new Map<ExampleName, BuildImageResult>();

beforeAll(async () => {
  mirror = await startExampleMirror();
  work = tempDir('pf-examples-');
});
afterAll(async () => {
  await mirror?.fixture.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const names = Object.keys(EXAMPLES) as ExampleName[];

describe('the example catalog builds from a Debian 12 mirror', () => {
  it.each(names)('%s builds for each of its platforms, twice with an identical digest', async (name) => {
    const def = exampleDefinition(name);
    const a = await buildImage(def, {
      where: EXAMPLES[name],
      outDir: join(work, `${name}-a`),
      cacheDir: join(work, 'cache-a'),
      sources: mirror.sources,
    });
    const b = await buildImage(def, {
      where: EXAMPLES[name],
      outDir: join(work, `${name}-b`),
      cacheDir: join(work, `cache-b-${name}`),
      sources: mirror.sources,
      reuse: false,
    });
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.digest).toBe(a.digest);
    expect(b.reused).toBe(false);
    expect(b.cache.misses).toBeGreaterThan(0); // the second build downloaded everything again
    expect(a.platforms.map((p) => p.platform)).toEqual(def.platforms);
    for (const p of a.platforms) {
      expect(p.packages.length).toBeGreaterThan(3);
      for (const pkg of p.packages) {
        expect(pkg.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(pkg.architecture === 'all' || `linux/${pkg.architecture}` === p.platform).toBe(true);
      }
    }
    first.set(name, a);
  });

  it('an unchanged rebuild into the same layout rebuilds nothing and keeps the digest', async () => {
    const def = exampleDefinition('redis');
    const again = await buildImage(def, {
      where: EXAMPLES.redis,
      outDir: join(work, 'redis-a'),
      cacheDir: join(work, 'cache-a'),
      sources: mirror.sources,
    });
    expect(again.reused).toBe(true);
    expect(again.digest).toBe(first.get('redis')?.digest);
  });

  it('installs what each image asks for, and no shell or package manager in the runtime variants', () => {
    const names = (n: ExampleName) => new Set(first.get(n)?.platforms[0]?.packages.map((p) => p.name));
    expect([...names('static')].sort()).toEqual(['base-files', 'ca-certificates', 'netbase', 'tzdata']);
    for (const runtime of ['static', 'redis'] as const) {
      for (const forbidden of ['dash', 'bash', 'busybox', 'dpkg', 'apt', 'perl-base', 'debconf'])
        expect(names(runtime).has(forbidden)).toBe(false);
    }
    expect(names('redis').has('redis-server')).toBe(true);
    for (const dev of ['static-dev', 'redis-dev'] as const)
      for (const needed of ['dash', 'bash', 'dpkg', 'apt']) expect(names(dev).has(needed)).toBe(true);
    expect(first.get('static')?.platforms[0]?.dropped.join('\n')).toContain('debconf');
  });

  it('warns in the build log when a runtime variant ships a shell or a package manager', async () => {
    const def = {
      ...exampleDefinition('static'),
      contents: {
        ...exampleDefinition('static').contents,
        packages: [...(exampleDefinition('static').contents?.packages ?? []), 'dash'],
      },
    };
    const lines: string[] = [];
    await buildImage(def, {
      where: 'static+dash',
      outDir: join(work, 'static-dash'),
      cacheDir: join(work, 'cache-a'),
      sources: mirror.sources,
      platforms: ['linux/amd64'],
      log: (l) => lines.push(l),
    });
    expect(lines.filter((l) => l.includes('warning: runtime variant ships'))).toEqual([
      expect.stringContaining('/usr/bin/dash'),
    ]);
    const quiet: string[] = [];
    await buildImage(exampleDefinition('static-dev'), {
      where: 'static-dev',
      outDir: join(work, 'static-dev-c'),
      cacheDir: join(work, 'cache-a'),
      sources: mirror.sources,
      platforms: ['linux/amd64'],
      log: (l) => quiet.push(l),
    });
    expect(quiet.filter((l) => l.includes('warning'))).toEqual([]);
  });

  it('keeps the layer of an unchanged package when the image around it changes', () => {
    const layers = (n: ExampleName) => first.get(n)?.platforms[0]?.layers ?? [];
    expect(layers('static')).toEqual(['base-files', 'ca-certificates', 'netbase', 'tzdata', 'image']);
    const blobs = (n: ExampleName) => new Set(readdirSync(join(work, `${n}-a`, 'blobs', 'sha256')));
    // static and redis share base-files, ca-certificates, netbase and tzdata: the same layer blobs.
    const shared = [...blobs('static')].filter((b) => blobs('redis').has(b));
    // Four package layers; each is the same blob on both platforms (these packages ship the same files on amd64 and arm64).
    expect(shared.length).toBeGreaterThanOrEqual(4);
    expect(existsSync(join(work, 'redis-a', 'index.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(work, 'redis-a', 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
  });
});
