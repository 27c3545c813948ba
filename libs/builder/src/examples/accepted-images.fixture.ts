// Test helpers (not a suite): the examples that examples-accepted.spec.ts hands to other
// tools, built once with a shared package cache, and their roots as umoci unpacks them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, type BuildImageResult } from '../build/build-image';
import { skopeoCopy, umociUnpack } from './accepted-tools.fixture';
import { EXAMPLES, exampleDefinition, type ExampleMirror, type ExampleName } from './example.fixture';

/** What is built, for which platforms. */
export const ACCEPTED: Partial<Record<ExampleName, readonly string[]>> = {
  redis: ['linux/amd64'],
  'static-dev': ['linux/amd64'],
  static: ['linux/amd64', 'linux/arm64'],
};
export type AcceptedName = 'redis' | 'static-dev' | 'static';
export const ACCEPTED_NAMES: AcceptedName[] = ['redis', 'static-dev', 'static'];

export interface BuiltExample {
  name: AcceptedName;
  /** The layout's tag: the definition's first tag. */
  tag: string;
  layout: string;
  result: BuildImageResult;
  ms: number;
}

export function firstTag(name: ExampleName): string {
  const tag = exampleDefinition(name).tags?.[0];
  if (tag === undefined) throw new Error(`${EXAMPLES[name]} has no tag`);
  return tag;
}

/** Builds the three examples one after the other into `work`, with one package cache. */
export async function buildAccepted(mirror: ExampleMirror, work: string): Promise<Map<AcceptedName, BuiltExample>> {
  const built = new Map<AcceptedName, BuiltExample>();
  for (const name of ACCEPTED_NAMES) {
    const start = Date.now();
    const layout = join(work, 'layouts', name);
    const result = await buildImage(exampleDefinition(name), {
      where: EXAMPLES[name],
      outDir: layout,
      cacheDir: join(work, 'cache'),
      sources: mirror.sources,
      platforms: ACCEPTED[name] as string[],
    });
    built.set(name, { name, tag: firstTag(name), layout, result, ms: Date.now() - start });
  }
  return built;
}

/**
 * The unpacked root of one platform of a built example, unpacked once. umoci takes a
 * single-platform layout as it is; a two-platform one it refuses (the tag is ambiguous), so
 * skopeo first copies out the platform asked for.
 */
export class UnpackedRoots {
  private readonly roots = new Map<string, Promise<string>>();

  constructor(
    private readonly built: Map<AcceptedName, BuiltExample>,
    private readonly work: string,
  ) {}

  /** The bundle directory (config.json, rootfs/). */
  bundle(name: AcceptedName, arch = 'amd64'): Promise<string> {
    const key = `${name}-${arch}`;
    let root = this.roots.get(key);
    if (!root) {
      root = this.unpack(name, arch, key);
      this.roots.set(key, root);
    }
    return root;
  }

  async rootfs(name: AcceptedName, arch = 'amd64'): Promise<string> {
    return join(await this.bundle(name, arch), 'rootfs');
  }

  private async unpack(name: AcceptedName, arch: string, key: string): Promise<string> {
    const b = this.built.get(name);
    if (!b) throw new Error(`${name} was not built`);
    let layout = b.layout;
    let tag = b.tag;
    if ((ACCEPTED[name]?.length ?? 0) > 1) {
      layout = join(this.work, 'one-platform', key);
      tag = arch;
      await skopeoCopy(b.layout, b.tag, layout, tag, { arch });
    }
    const bundle = join(this.work, 'bundles', key);
    const res = await umociUnpack(layout, tag, bundle);
    if (res.code !== 0) throw new Error(`umoci unpack ${layout}:${tag} exited ${res.code}: ${res.stderr}`);
    return bundle;
  }
}

interface Descriptor {
  mediaType: string;
  digest: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

/** The layout's index.json entry (the image index) and the platform manifests that index lists. */
export function layoutIndex(layout: string): { top: Descriptor; manifests: Descriptor[] } {
  const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { manifests: Descriptor[] };
  const top = read(join(layout, 'index.json')).manifests;
  if (top.length !== 1 || !top[0]) throw new Error(`${layout}/index.json lists ${top.length} images, expected 1`);
  const nested = read(join(layout, 'blobs', 'sha256', top[0].digest.replace(/^sha256:/, '')));
  return { top: top[0], manifests: nested.manifests };
}
