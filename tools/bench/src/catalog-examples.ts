import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDefinitionText, type BuildImageResult, type BuildSourcesOptions } from '@patch-factory/builder';
import { EXAMPLE_MIRROR_PACKAGES, exampleMirrors, repoRoot, startDebianMirrorFixture } from '@patch-factory/testing';

/** One example definition of examples/catalog. */
export interface CatalogExample {
  /** `<name>/<os>/<stream>.yaml` under examples/catalog/image. */
  file: string;
  text: string;
}

/** The example definitions of examples/catalog (`<name>/<os>/<stream>.yaml`, not the images' info.yaml), sorted. */
export function catalogExamples(): CatalogExample[] {
  const catalog = join(repoRoot(), 'examples', 'catalog', 'image');
  return readdirSync(catalog, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') && f.split('/').length === 3)
    .sort()
    .map((file) => ({ file, text: readFileSync(join(catalog, file), 'utf8') }));
}

/** Builds the examples from a loopback Debian 12 mirror (libs/testing) into a temporary directory. */
export interface ExampleBuilder {
  /** Builds one example, all its platforms; the OCI layout is at `outDir`. */
  build(example: CatalogExample): Promise<{ outDir: string; result: BuildImageResult }>;
  /** Stops the mirror and removes what was built. */
  close(): Promise<void>;
}

/** Starts the loopback mirror (amd64 and arm64 packages of the examples) and a work directory. */
export async function startExampleBuilder(prefix: string): Promise<ExampleBuilder> {
  const fixture = await startDebianMirrorFixture({
    packages: [...EXAMPLE_MIRROR_PACKAGES],
    architectures: ['amd64', 'arm64'],
  });
  const keyringDir = mkdtempSync(join(tmpdir(), 'pf-bench-keys-'));
  copyFileSync(join(fixture.keyringDir, fixture.keyringName), join(keyringDir, 'debian-archive-keyring.gpg'));
  const work = mkdtempSync(join(tmpdir(), prefix));
  const sources: BuildSourcesOptions = { keyringDir, mirrors: exampleMirrors(fixture.baseUrl) };
  return {
    async build(example) {
      const outDir = join(work, example.file.replace(/\W+/g, '-'));
      const result = await buildDefinitionText(example.text, {
        where: example.file,
        outDir,
        cacheDir: join(work, 'cache'),
        sources,
      });
      return { outDir, result };
    },
    async close() {
      await fixture.close();
      rmSync(work, { recursive: true, force: true });
      rmSync(keyringDir, { recursive: true, force: true });
    },
  };
}
