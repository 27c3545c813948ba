import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stageArtifact, stageArtifactFile, type RunReadBy } from '@patch-factory/pipeline';
import { CheckingErrorCode, checkingTerminal } from './checking-errors';

/** What the test and scan stages take from the run's build stage. */
export interface BuildInput {
  /** The OCI image layout directory (`build.layout`). */
  layout: string;
  /** The image index digest (`build.digest`). */
  digest: string;
  /** The patch branch the run built, if any (`patch.branch`): the gates and VEX are read there. */
  branch?: string;
  /** `os/arch[/variant]` of every image of the index, in its order. */
  platforms: string[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_INDEX = 4 * 1024 * 1024;

/**
 * The run's build output: `build.layout` and `build.digest` of its build stage, the layout's
 * image index holding that digest. A run without them (it did not build, or from a later
 * stage) fails with `build-artifact-missing`, naming the run and what is missing.
 * `build.layout` is relative to the run directory `runDir` (issue 14). Typed as read by the test
 * and scan stages: it reads only stages before both.
 */
export async function buildInputOf(
  run: RunReadBy<'test' | 'scan'> | undefined,
  runId: string,
  stage: string,
  runDir: string,
): Promise<BuildInput> {
  const missing = (why: string) =>
    checkingTerminal(
      CheckingErrorCode.buildArtifactMissing,
      `the ${stage} stage of run ${runId} needs the image its build stage made: ${why}; run the build stage first (from: build)`,
    );
  if (run === undefined) throw missing('the run is not stored');
  const recorded = stageArtifact(run, 'build', 'build.layout');
  const digest = stageArtifact(run, 'build', 'build.digest');
  if (recorded === undefined || digest === undefined)
    throw missing('its build stage recorded no build.layout and build.digest');
  const layout = stageArtifactFile(run, 'build', 'build.layout', runDir) ?? recorded;
  if (!DIGEST.test(digest)) throw missing(`build.digest "${digest.slice(0, 80)}" is not sha256:<64 hex>`);
  const branch = stageArtifact(run, 'patch', 'patch.branch');
  const platforms = await indexPlatforms(layout, digest).catch((error: unknown) => {
    // The recorded (relative) name and the reason without its paths: no server path in a run's error.
    throw missing(
      `the image layout ${recorded} of the run cannot be read (${(error as Error).message.split(runDir).join('<run>').slice(0, 200)})`,
    );
  });
  return { layout, digest, platforms, ...(branch ? { branch } : {}) };
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  if (text.length > MAX_INDEX) throw new Error(`${path} is larger than ${MAX_INDEX} bytes`);
  return JSON.parse(text) as unknown;
}

interface IndexJson {
  manifests?: {
    digest?: unknown;
    mediaType?: unknown;
    platform?: { os?: unknown; architecture?: unknown; variant?: unknown };
  }[];
}

/** The platforms of the image index `digest` that index.json of `layout` points to. */
async function indexPlatforms(layout: string, digest: string): Promise<string[]> {
  const top = (await readJson(join(layout, 'index.json'))) as IndexJson;
  if (!top.manifests?.some((m) => m.digest === digest)) throw new Error(`index.json does not point to ${digest}`);
  const index = (await readJson(join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)))) as IndexJson;
  const platforms = (index.manifests ?? []).map((m) => {
    const p = m.platform;
    if (typeof p?.os !== 'string' || typeof p.architecture !== 'string')
      throw new Error(`image index ${digest} has a manifest without a platform`);
    return [p.os, p.architecture, ...(typeof p.variant === 'string' ? [p.variant] : [])].join('/');
  });
  if (platforms.length === 0) throw new Error(`image index ${digest} lists no image`);
  return platforms;
}

/** The `linux/<arch>` of this host in OCI terms, or undefined for an architecture the factory does not build. */
export function hostPlatform(arch: string = process.arch): string | undefined {
  const oci: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  const a = oci[arch];
  return a === undefined ? undefined : `linux/${a}`;
}
