import { Injectable } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { DefinitionPathSchema, ErrorCode, TerminalError, type RunTrigger } from '@patch-factory/contracts';
import { JobProducer } from '@patch-factory/queue';
import { RunRepository } from '@patch-factory/store';
import { inSpan, injectTrace } from '@patch-factory/telemetry';
import { context as otelContext } from '@opentelemetry/api';
import { newRunId } from './run-id';
import { RUN_ENTRY, RUN_STAGES, STAGE_JOB, stageJobId } from './transitions';

/** Starts pipeline runs: records the run, opens its trace, enqueues its first stage. */
@Injectable()
export class RunLauncher {
  constructor(
    private readonly runs: RunRepository,
    private readonly producer: JobProducer,
  ) {}

  async launch(definition: string, trigger: RunTrigger = { kind: 'manual' }): Promise<{ runId: string; traceId: string }> {
    const parsed = DefinitionPathSchema.safeParse(definition);
    if (!parsed.success) {
      throw new TerminalError(ErrorCode.invalidPayload, `definition: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    const runId = newRunId();
    return inSpan('pipeline.run', otelContext.active(), { 'pf.run_id': runId, 'pf.definition': definition, 'pf.trigger': trigger.kind }, async () => {
      const traceId = trace.getActiveSpan()?.spanContext().traceId ?? '';
      const now = Date.now();
      await this.runs.create({ id: runId, definition: parsed.data, trigger, stages: RUN_STAGES, traceId, now });
      const carrier = injectTrace();
      try {
        await this.producer.enqueue(
          STAGE_JOB[RUN_ENTRY],
          { v: 1, runId, definition: parsed.data, ...(carrier ? { trace: carrier } : {}) },
          { jobId: stageJobId(runId, RUN_ENTRY) },
        );
      } catch (error) {
        await this.runs
          .failRun(runId, RUN_ENTRY, 'enqueue-failed', `the first stage could not be enqueued: ${(error as Error).message}`)
          .catch(() => undefined);
        throw error;
      }
      return { runId, traceId };
    });
  }
}
