import { Injectable } from '@nestjs/common';
import { TerminalError } from '@patch-factory/contracts';
import { imageStreamOf, patchDefinition } from '@patch-factory/definitions';
import type { ImageStream, PatchFile } from '@patch-factory/forge';
import type { StageContext, StageExecutor, StageResult } from '@patch-factory/pipeline';
import { PatchRequestRepository, type StoredPatchRequest } from '@patch-factory/store';
import { CatalogAccess, CatalogAccessErrorCode } from '@patch-factory/catalog-access';
import { PatchingErrorCode } from './patching-errors';
import { MANUAL_RUN, patchRequestOfRun } from './patch-request-of-run';

/** The forge's ImageStream of a PatchRequest's stream `image/<name>/<os>/<stream>`. */
export function imageStreamOfRequest(request: StoredPatchRequest): ImageStream {
  const [, image, os, stream] = request.stream.split('/');
  return { image: image ?? '', os: os ?? '', stream: stream ?? '' };
}

/**
 * `patch`: applies the PatchRequest's variable changes to every file of it, as they are on
 * the default branch now (format-preserving), and puts them on the stream's branch: one
 * commit, pushed. The branch is the idempotency key: the request's other runs, or this
 * one again, find it holding the same content and commit nothing.
 */
@Injectable()
export class PatchExecutor implements StageExecutor<'patch'> {
  constructor(
    private readonly requests: PatchRequestRepository,
    private readonly access: CatalogAccess,
  ) {}

  async execute(ctx: StageContext<'patch'>): Promise<StageResult<'patch'>> {
    const found = await patchRequestOfRun(ctx, this.requests);
    if (!found) return { artifacts: { ...MANUAL_RUN } };
    const { request } = found;
    const workspace = this.access.workspace();
    // Asked together, the reads share one fetch of the default branch.
    const texts = await Promise.all(request.files.map((f) => workspace.readFile(f.file)));
    const files: PatchFile[] = request.files.map((f, i) => {
      const text = texts[i];
      if (text === undefined)
        throw new TerminalError(
          CatalogAccessErrorCode.definitionMissing,
          `${f.file} is not on the default branch any more`,
        );
      return { path: f.file, content: patchDefinition(text, f.changes, f.file).text };
    });
    if (!imageStreamOf(request.files[0]?.file ?? ''))
      throw new TerminalError(PatchingErrorCode.notInPatchRequest, `PatchRequest ${request.id} has no catalog file`);
    const result = await workspace.commitPatch({
      runId: ctx.runId,
      stream: imageStreamOfRequest(request),
      updates: request.files.map((f) => ({ ref: request.ref, file: f.file, vars: f.changes })),
      files,
    });
    ctx.logger.info({ branch: result.branch, status: result.status, head: result.headSha }, 'patch branch ensured');
    return {
      artifacts: {
        'patch.branch': result.branch,
        'patch.base': result.base,
        'patch.status': result.status,
        ...(result.headSha ? { 'patch.head': result.headSha } : {}),
      },
    };
  }
}
