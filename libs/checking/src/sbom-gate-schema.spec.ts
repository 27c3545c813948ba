import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackboneFixture, type CatalogOrigin } from '@patch-factory/testing';
import {
  STATIC_DEFINITION,
  createStaticCatalog,
  startCheckStage,
  startStaticMirror,
  type CheckStage,
  type StaticMirror,
} from './checking-stage.fixture';

jest.setTimeout(180_000);

/**
 * The scan stage on the backbone with PF_SPDX_SCHEMA_PATH naming a file that is not there: the
 * SBOMs cannot be validated, so the run fails at scan with `sbom-schema-missing` (never a scan
 * that passes unvalidated), naming the setting and not the server path (issue 14).
 */
describe('the sbom-invalid gate without its SPDX schema', () => {
  const fx = new BackboneFixture();
  let origin: CatalogOrigin;
  let mirror: StaticMirror;
  let stage: CheckStage;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-sbom-schema-'));
    origin = createStaticCatalog();
    mirror = await startStaticMirror();
    stage = await startCheckStage(fx, origin, {
      ...mirror.env,
      PF_SPDX_SCHEMA_PATH: join(work, 'absent', 'spdx-schema.json'),
    });
  }, 300_000);
  afterAll(async () => {
    await stage?.close();
    await fx.close();
    await mirror?.close();
    origin?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('fails the run at scan with sbom-schema-missing naming PF_SPDX_SCHEMA_PATH', async () => {
    const [run] = await fx.waitForRuns([await stage.launch(STATIC_DEFINITION)], 420_000);
    expect(run?.state).toBe('failed');
    expect(run?.error).toMatchObject({ stage: 'scan', code: 'sbom-schema-missing' });
    expect(run?.error?.message).toBe(
      'the official SPDX 2.3 JSON schema named by PF_SPDX_SCHEMA_PATH cannot be read (ENOENT); set PF_SPDX_SCHEMA_PATH to spdx-schema.json of spdx/spdx-spec v2.3',
    );
    expect(run?.error?.message).not.toContain(work);
    expect(run?.stages.find((s) => s.stage === 'test')?.status).toBe('succeeded');
  }, 480_000);
});
