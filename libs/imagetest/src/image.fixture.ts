// Test helpers (not a suite): the example images static-dev and redis, built for linux/amd64
// from the loopback Debian 12 mirror (libs/testing) and unpacked by umoci into bundles.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '@patch-factory/builder';
import { parseDefinition, type Definition } from '@patch-factory/definitions';
import {
  EXAMPLE_MIRROR_PACKAGES,
  exampleMirrors,
  repoRoot,
  startDebianMirrorFixture,
  type DebianMirrorFixture,
} from '@patch-factory/testing';

const EXAMPLES = { 'static-dev': 'static/debian-12/static-dev.yaml', redis: 'redis/debian-12/7.0.yaml' } as const;
export type ExampleName = keyof typeof EXAMPLES;

export interface BuiltExample {
  definition: Definition;
  /** The umoci bundle (config.json, rootfs/). */
  bundle: string;
  rootfs: string;
}

export interface ExampleImages {
  /** A directory every user may traverse (mode 0755), for crafted roots too. */
  work: string;
  images: Map<ExampleName, BuiltExample>;
  close(): Promise<void>;
}

export function exampleDefinition(name: ExampleName): Definition {
  const parsed = parseDefinition(
    readFileSync(join(repoRoot(), 'examples', 'catalog', 'image', EXAMPLES[name])),
    EXAMPLES[name],
  );
  if (!parsed.ok) throw new Error(`${EXAMPLES[name]}: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return parsed.value;
}

/** Builds and unpacks static-dev and redis (linux/amd64). */
export async function buildExampleImages(): Promise<ExampleImages> {
  const fixture: DebianMirrorFixture = await startDebianMirrorFixture({
    packages: [...EXAMPLE_MIRROR_PACKAGES],
    architectures: ['amd64'],
  });
  const work = mkdtempSync(join(tmpdir(), 'pf-imagetest-'));
  chmodSync(work, 0o755); // images run as their own user, who must reach the root
  const close = async () => {
    await fixture.close();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    // The mirror's key under the name the examples' signed-by= gives.
    const keyringDir = join(work, 'keys');
    mkdirSync(keyringDir);
    copyFileSync(join(fixture.keyringDir, fixture.keyringName), join(keyringDir, 'debian-archive-keyring.gpg'));
    const sources = { keyringDir, mirrors: exampleMirrors(fixture.baseUrl) };
    const images = new Map<ExampleName, BuiltExample>();
    for (const name of Object.keys(EXAMPLES) as ExampleName[]) {
      const definition = exampleDefinition(name);
      const layout = join(work, 'layouts', name);
      await buildImage(definition, {
        where: EXAMPLES[name],
        outDir: layout,
        cacheDir: join(work, 'cache'),
        sources,
        platforms: ['linux/amd64'],
      });
      const bundle = join(work, 'bundles', name);
      const tag = definition.tags?.[0] ?? 'latest';
      await exec('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
      chmodSync(bundle, 0o755); // umoci makes it 0700: the image's user could not reach rootfs/
      images.set(name, { definition, bundle, rootfs: join(bundle, 'rootfs') });
    }
    return { work, images, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs a host tool to its end; a non-zero exit is an error with its output. */
export function exec(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${String(code)}: ${out}`)),
    );
  });
}
