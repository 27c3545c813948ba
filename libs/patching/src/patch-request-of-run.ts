import { TerminalError } from '@patch-factory/contracts';
import type { StageContext } from '@patch-factory/pipeline';
import type { PatchRequestRepository, StoredPatchRequest } from '@patch-factory/store';
import { PatchingErrorCode } from './patching-errors';

/** Artifacts of a stage that has nothing to do in a manual run (a rebuild of the definition as it is). */
export const MANUAL_RUN = { 'patch.request': 'none: a manual run rebuilds the definition as it is' } as const;

/**
 * The PatchRequest a run was launched for (its trigger names it) and the run's own file in
 * it; undefined for a manual run, which changes nothing. An upstream or advisory run whose
 * PatchRequest is missing fails with `patch-request-missing`.
 */
export async function patchRequestOfRun(
  ctx: StageContext,
  requests: PatchRequestRepository,
): Promise<{ request: StoredPatchRequest; file: StoredPatchRequest['files'][number] } | undefined> {
  const run = await ctx.loadRun();
  if (run?.trigger.kind === 'manual') return undefined;
  const id = run?.trigger.ref;
  if (!id)
    throw new TerminalError(
      PatchingErrorCode.patchRequestMissing,
      `run ${ctx.runId} (trigger ${run?.trigger.kind ?? 'unknown'}) names no PatchRequest: nothing to ${ctx.stage}`,
    );
  const request = await requests.get(id);
  if (!request)
    throw new TerminalError(
      PatchingErrorCode.patchRequestMissing,
      `PatchRequest ${id} of run ${ctx.runId} is not in the store`,
    );
  const file = request.files.find((f) => f.file === ctx.definition);
  if (!file)
    throw new TerminalError(PatchingErrorCode.notInPatchRequest, `${ctx.definition} is not part of PatchRequest ${id}`);
  return { request, file };
}
