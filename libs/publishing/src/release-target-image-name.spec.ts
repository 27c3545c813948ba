import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@patch-factory/config';
import { PipelineError } from '@patch-factory/contracts';
import { CatalogAccess } from '@patch-factory/catalog-access';
import {
  STATIC_DEFINITION,
  createStaticCatalog,
  exampleText,
  sharedRedisUrl,
  type CatalogOrigin,
} from '@patch-factory/testing';
import { releaseTargetOf } from './run-definition';

/** Publishing reads a definition's `image:` by the one OCI grammar: a registry host with a port included (issue 15). */

describe('releaseTargetOf', () => {
  const origins: CatalogOrigin[] = [];
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pf-release-target-'));
  });
  afterAll(() => {
    for (const o of origins) o.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const targetOf = async (image: string) => {
    // Quoted as YAML needs for `[::1]…` (a flow sequence otherwise).
    const text = exampleText(STATIC_DEFINITION).replace(/^image: .*$/m, `image: ${JSON.stringify(image)}`);
    expect(text).toContain(`image: ${JSON.stringify(image)}`);
    const origin = createStaticCatalog(text);
    origins.push(origin);
    const config = loadConfig({
      ...process.env,
      PF_REDIS_URL: sharedRedisUrl(),
      PF_CATALOG_REMOTE: origin.dir,
      PF_CATALOG_WORKDIR: join(work, `catalog-${origins.length}.git`),
    });
    return releaseTargetOf(new CatalogAccess(config), STATIC_DEFINITION);
  };

  it.each([
    ['127.0.0.1:5000/examples/static', 'examples/static'],
    ['[::1]:5000/examples/static:1', 'examples/static'],
    ['registry.example.org:5000/team/static', 'team/static'],
    ['examples/static', 'examples/static'],
  ])("image %s is published as the repository %s of the factory's registry", async (image, repository) => {
    expect((await targetOf(image)).image).toBe(repository);
  });

  it('refuses a hostile image name, naming the definition and why', async () => {
    const error = (await targetOf('registry.example.org/../static').catch((e: unknown) => e)) as PipelineError;
    expect(error).toBeInstanceOf(PipelineError);
    expect(error.message).toMatch(
      new RegExp(
        `^${STATIC_DEFINITION.replace(/[./]/g, '\\$&')}: image is not a repository name: image reference ".*" contains "\\.\\."`,
      ),
    );
  });
});
