import { ErrorCode, TerminalError } from '@patch-factory/contracts';
import type { StageContext, StageExecutor } from './stage-executor';

/**
 * The production executor of a stage whose implementation has not landed yet: it fails
 * the run loudly with `stage-not-implemented`. No stage pretends to succeed.
 */
export class NotImplementedExecutor implements StageExecutor {
  execute(ctx: StageContext): Promise<never> {
    return Promise.reject(
      new TerminalError(
        ErrorCode.stageNotImplemented,
        `the ${ctx.stage} stage is not implemented yet in this version of patch-factory; run ${ctx.runId} stops here`,
      ),
    );
  }
}
