import { TerminalError } from '@patch-factory/contracts';
import { NotImplementedExecutor, type RunStage, type StageExecutorBindings } from '@patch-factory/pipeline';
import { FactoryErrorCode } from './factory-errors';

/**
 * Refuses to boot `service` when one of the stages it runs has no executor in `executors`, or is
 * bound to NotImplementedExecutor without being one of `notYetImplemented`: a stage owned by a
 * service always runs its real executor, or fails runs with `stage-not-implemented` because the
 * registry says so. Throws TerminalError `stage-executor-missing` naming the service and the stage.
 */
export function assertStagesHaveExecutors(
  service: string,
  stages: readonly RunStage[],
  executors: StageExecutorBindings,
  notYetImplemented: readonly RunStage[],
): void {
  for (const stage of stages) {
    const executor = executors[stage];
    if (!executor) {
      throw new TerminalError(
        FactoryErrorCode.stageExecutorMissing,
        `service ${service} runs the ${stage} stage, which has no executor in STAGE_EXECUTORS (libs/factory): bind one, or declare the stage in NOT_YET_IMPLEMENTED_STAGES`,
      );
    }
    const unimplemented = executor === NotImplementedExecutor || executor instanceof NotImplementedExecutor;
    if (unimplemented && !notYetImplemented.includes(stage)) {
      throw new TerminalError(
        FactoryErrorCode.stageExecutorMissing,
        `service ${service} runs the ${stage} stage with NotImplementedExecutor, but ${stage} is not in NOT_YET_IMPLEMENTED_STAGES (libs/factory)`,
      );
    }
  }
}
