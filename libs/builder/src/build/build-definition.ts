import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { formatDefinitionError, parseDefinition } from '@patch-factory/definitions';
import { buildWithBuildah } from '../buildah/buildah-build';
import { isDockerfileDefinition } from '../buildah/dockerfile-detect';
import {
  buildImage,
  checkOutDir,
  hostArchitecture,
  type BuildImageOptions,
  type BuildImageResult,
} from './build-image';
import { BuildErrorCode, buildTerminal } from './build-errors';
import { replaceDir } from './build-record';

export interface BuildDefinitionOptions extends BuildImageOptions {
  /** The build context of a Dockerfile-syntax definition (its directory); unused otherwise. */
  contextDir?: string;
}

/**
 * Builds a definition file's text. The catalog format is parsed and validated (its located
 * errors in the message) and built by `buildImage`; a definition written as a Dockerfile
 * (`# syntax=docker/dockerfile…` first) is built by buildah from `contextDir`, one platform.
 */
export async function buildDefinitionText(text: string, opts: BuildDefinitionOptions): Promise<BuildImageResult> {
  if (isDockerfileDefinition(text)) return buildDockerfile(text, opts);
  const parsed = parseDefinition(text, opts.where);
  if (!parsed.ok) {
    const lines = parsed.errors.slice(0, 10).map((e) => `  ${formatDefinitionError(e)}`);
    throw buildTerminal(
      BuildErrorCode.definitionInvalid,
      `${opts.where} is not a valid definition (${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
  }
  return buildImage(parsed.value, opts);
}

async function buildDockerfile(text: string, opts: BuildDefinitionOptions): Promise<BuildImageResult> {
  if (opts.contextDir === undefined)
    throw buildTerminal(
      BuildErrorCode.definitionInvalid,
      `${opts.where} is a Dockerfile: it needs a build context directory`,
    );
  const platforms = opts.platforms ?? [`linux/${hostArchitecture()}`];
  if (platforms.length !== 1)
    throw buildTerminal(
      BuildErrorCode.platformUnsupported,
      `${opts.where} is a Dockerfile: buildah builds one platform at a time, not ${platforms.join(', ')}`,
    );
  const platform = platforms[0] as string;
  const outDir = await checkOutDir(opts.outDir);
  await mkdir(dirname(outDir), { recursive: true });
  const tmp = join(dirname(outDir), `.${basename(outDir)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const { digest } = await buildWithBuildah({
      dockerfile: text,
      contextDir: opts.contextDir,
      outDir: tmp,
      platform,
      sourceDateEpoch: opts.sourceDateEpoch ?? 0,
      log: opts.log ?? (() => undefined),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    await replaceDir(tmp, outDir);
    const inputKey = createHash('sha256').update(text).digest('hex');
    return {
      digest,
      outDir,
      reused: false,
      platforms: [{ platform, packages: [], buildRoots: [], dropped: [], layers: [] }],
      cache: { hits: 0, misses: 0 },
      inputKey,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
