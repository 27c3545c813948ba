import { Injectable } from '@nestjs/common';
import type { StageContext, StageExecutor, StageResult } from '@patch-factory/pipeline';
import { PatchRequestRepository } from '@patch-factory/store';
import { MANUAL_RUN, patchRequestOfRun } from './patch-request-of-run';

/** `plan`: checks the run's definition belongs to its PatchRequest and records the changes it gets. */
@Injectable()
export class PlanExecutor implements StageExecutor<'plan'> {
  constructor(private readonly requests: PatchRequestRepository) {}

  async execute(ctx: StageContext<'plan'>): Promise<StageResult<'plan'>> {
    const found = await patchRequestOfRun(ctx, this.requests);
    if (!found) return { artifacts: { ...MANUAL_RUN } };
    const { request, file } = found;
    return {
      artifacts: {
        'patch.request': request.id,
        'patch.stream': request.stream,
        'patch.changes': file.changes
          .map((c) => `${c.name}: ${c.old} -> ${c.new}`)
          .join('; ')
          .slice(0, 2000),
      },
    };
  }
}
