import { Injectable } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { DefinitionPathSchema, ErrorCode, RunIdSchema, TerminalError, type RunTrigger } from '@patch-factory/contracts';
import { JobProducer } from '@patch-factory/queue';
import { RunRepository } from '@patch-factory/store';
import { inSpan, injectTrace } from '@patch-factory/telemetry';
import { context as otelContext } from '@opentelemetry/api';
import { newRunId } from './run-id';
import { STAGE_JOB, runStagesBetween, stageJobId, type RunStage } from './transitions';

/** Starts pipeline runs: records the run, opens its trace, enqueues its first stage. */
@Injectable()
export class RunLauncher {
  constructor(
    private readonly runs: RunRepository,
    private readonly producer: JobProducer,
  ) {}

  /** Starts a run of `definition` through the whole pipeline, or the stages `from`…`to` only. */
  async launch(
    definition: string,
    trigger: RunTrigger = { kind: 'manual' },
    range: { from?: RunStage; to?: RunStage } = {},
    /** A run id decided beforehand (e.g. claimed for a PatchRequest's file); default: a new one. */
    runId: string = newRunId(),
  ): Promise<{ runId: string; traceId: string }> {
    const parsed = DefinitionPathSchema.safeParse(definition);
    if (!parsed.success) {
      throw new TerminalError(
        ErrorCode.invalidPayload,
        `definition: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      );
    }
    let stages: RunStage[];
    try {
      stages = runStagesBetween(range.from, range.to);
    } catch (error) {
      throw new TerminalError(ErrorCode.invalidPayload, (error as Error).message);
    }
    const entry = stages[0] as RunStage;
    if (!RunIdSchema.safeParse(runId).success)
      throw new TerminalError(ErrorCode.invalidPayload, `run id ${JSON.stringify(runId.slice(0, 40))} is not a run id`);
    return inSpan(
      'pipeline.run',
      otelContext.active(),
      { 'pf.run_id': runId, 'pf.definition': definition, 'pf.trigger': trigger.kind },
      async () => {
        const traceId = trace.getActiveSpan()?.spanContext().traceId ?? '';
        const now = Date.now();
        await this.runs.create({ id: runId, definition: parsed.data, trigger, stages, traceId, now });
        const carrier = injectTrace();
        try {
          await this.producer.enqueue(
            STAGE_JOB[entry],
            { v: 1, runId, definition: parsed.data, ...(carrier ? { trace: carrier } : {}) },
            { jobId: stageJobId(runId, entry) },
          );
        } catch (error) {
          await this.runs
            .failRun(
              runId,
              entry,
              'enqueue-failed',
              `the first stage could not be enqueued: ${(error as Error).message}`,
            )
            .catch(() => undefined);
          throw error;
        }
        return { runId, traceId };
      },
    );
  }
}
