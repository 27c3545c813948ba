import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';
import { readJsonDocument, type RunOutputs } from './run-outputs';

/** `source.json` of a run directory: where its definition came from. */
export interface RunSource {
  definition: string;
  repository: string;
  branch?: string;
  commit?: string;
}

const exists = async (dir: string, name: string): Promise<boolean> =>
  (await readdir(dir).catch(() => [] as string[])).includes(name);

/**
 * The outputs of a run from its directory (`<PF_BUILD_OUT_DIR>/<run id>`: image/, packages.json,
 * source.json, sbom/, vex.json, test-report.json, scan-report.json), for `patch-factory sign
 * --run-dir`: what the sign stage reads from the run's record, read from the files instead.
 */
export async function runOutputsFromDir(
  dir: string,
  digest: string,
): Promise<{ outputs: RunOutputs; source: RunSource }> {
  if (!(await exists(dir, 'packages.json')) || !(await exists(dir, 'source.json'))) {
    throw publishingTerminal(
      PublishingErrorCode.inputMissing,
      `${dir} is not a run directory of the build stage: it needs packages.json and source.json`,
    );
  }
  const source = (await readJsonDocument(join(dir, 'source.json'), 'the run source')) as Partial<RunSource>;
  if (typeof source.definition !== 'string' || typeof source.repository !== 'string')
    throw publishingTerminal(
      PublishingErrorCode.inputInvalid,
      `${join(dir, 'source.json')} names no definition and repository`,
    );
  const sboms = (await readdir(join(dir, 'sbom')).catch(() => [] as string[])).sort();
  const outputs: RunOutputs = {
    layout: join(dir, 'image'),
    digest,
    packages: join(dir, 'packages.json'),
    sboms: {
      cyclonedx: sboms.filter((f) => f.endsWith('.cdx.json')).map((f) => join(dir, 'sbom', f)),
      spdx: sboms.filter((f) => f.endsWith('.spdx.json')).map((f) => join(dir, 'sbom', f)),
    },
    ...(typeof source.commit === 'string' ? { commit: source.commit } : {}),
    ...(typeof source.branch === 'string' ? { branch: source.branch } : {}),
    ...((await exists(dir, 'vex.json')) ? { vex: join(dir, 'vex.json') } : {}),
    ...((await exists(dir, 'test-report.json')) ? { testReport: join(dir, 'test-report.json') } : {}),
    ...((await exists(dir, 'scan-report.json')) ? { scanReport: join(dir, 'scan-report.json') } : {}),
  };
  return {
    outputs,
    source: {
      definition: source.definition,
      repository: source.repository,
      ...(outputs.branch ? { branch: outputs.branch } : {}),
      ...(outputs.commit ? { commit: outputs.commit } : {}),
    },
  };
}
