import { readFile, stat } from 'node:fs/promises';
import { stageArtifact, stageArtifactFile, stageArtifactFiles, type RunReadBy } from '@patch-factory/pipeline';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';

/** What the sign and publish stages take from a run's earlier stages. */
export interface RunOutputs {
  /** The OCI image layout (`build.layout`) and its index digest (`build.digest`). */
  layout: string;
  digest: string;
  /** `packages.json` of the build (`build.packages`). */
  packages: string;
  /** The catalog commit the definition was read at (`build.commit`), when recorded. */
  commit?: string;
  /** The patch branch, when the run patched. */
  branch?: string;
  /** Per platform, in the image index's order (`scan.sbom.cyclonedx`, `scan.sbom.spdx`). */
  sboms: { cyclonedx: string[]; spdx: string[] };
  vex?: string;
  testReport?: string;
  scanReport?: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/**
 * The outputs of the build, test and scan stages of `run`. A run without its image fails with
 * `publish-input-missing`, naming what is missing; test and scan outputs are optional (a run
 * may start at build), and each attestation is made only for what exists. The stages record
 * their files relative to the run directory `runDir` (issue 14); the outputs are resolved.
 * Typed as read by the sign and publish stages: it reads only stages before both.
 */
export function runOutputs(
  run: RunReadBy<'sign' | 'publish'> | undefined,
  runId: string,
  stage: string,
  runDir: string,
): RunOutputs {
  const missing = (why: string) =>
    publishingTerminal(
      PublishingErrorCode.inputMissing,
      `the ${stage} stage of run ${runId} needs ${why}; run the build stage first (from: build)`,
    );
  if (!run) throw missing('the run, which is not stored');
  const layout = stageArtifactFile(run, 'build', 'build.layout', runDir);
  const digest = stageArtifact(run, 'build', 'build.digest');
  const packages = stageArtifactFile(run, 'build', 'build.packages', runDir);
  if (!layout || !digest || !packages)
    throw missing('the image its build stage made (build.layout, build.digest, build.packages)');
  if (!DIGEST.test(digest)) throw missing(`a build.digest of sha256:<64 hex>, not "${digest.slice(0, 80)}"`);
  const commit = stageArtifact(run, 'build', 'build.commit');
  const branch = stageArtifact(run, 'patch', 'patch.branch');
  const vex = stageArtifactFile(run, 'scan', 'scan.vex', runDir);
  const testReport = stageArtifactFile(run, 'test', 'test.report', runDir);
  const scanReport = stageArtifactFile(run, 'scan', 'scan.report', runDir);
  return {
    layout,
    digest,
    packages,
    sboms: {
      cyclonedx: stageArtifactFiles(run, 'scan', 'scan.sbom.cyclonedx', runDir),
      spdx: stageArtifactFiles(run, 'scan', 'scan.sbom.spdx', runDir),
    },
    ...(commit ? { commit } : {}),
    ...(branch ? { branch } : {}),
    ...(vex ? { vex } : {}),
    ...(testReport ? { testReport } : {}),
    ...(scanReport ? { scanReport } : {}),
  };
}

/** A JSON document a stage wrote (bounded), or a located `publish-input-invalid`. */
export async function readJsonDocument(path: string, what: string): Promise<unknown> {
  const size = (await stat(path).catch(() => undefined))?.size;
  if (size === undefined) throw publishingTerminal(PublishingErrorCode.inputMissing, `${what} ${path} does not exist`);
  if (size > MAX_DOCUMENT_BYTES)
    throw publishingTerminal(
      PublishingErrorCode.inputInvalid,
      `${what} ${path} is larger than ${MAX_DOCUMENT_BYTES} bytes`,
    );
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw publishingTerminal(
      PublishingErrorCode.inputInvalid,
      `${what} ${path} is not JSON: ${(error as Error).message.slice(0, 200)}`,
    );
  }
}
