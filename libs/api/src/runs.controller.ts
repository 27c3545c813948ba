import { Body, Controller, Headers, Param, Query, UseFilters } from '@nestjs/common';
import type { z } from 'zod';
import { ErrorCode, PipelineError, TerminalError } from '@patch-factory/contracts';
import { newRunId, RunLauncher, RunReconciler } from '@patch-factory/pipeline';
import { RunRepository } from '@patch-factory/store';
import { ApiErrorFilter } from './api-error.filter';
import { ApiRoute } from './api-route.decorator';
import type { TriggerRunAnswerSchema } from './api-responses.schemas';
import { API_ROUTES } from './api.routes';
import { ListRunsQuerySchema, PathIdSchema, TriggerRunBodySchema } from './api.schemas';
import { parseRequest } from './parse-request';
import { publicRun, type PublicPipelineRun } from './public-run';
import { IdempotencyKeySchema, TriggerIdempotency } from './trigger-idempotency';

/** Pipeline runs: list, get (with the stage timeline), trigger. */
@Controller()
@UseFilters(ApiErrorFilter)
export class RunsController {
  constructor(
    private readonly runs: RunRepository,
    private readonly launcher: RunLauncher,
    private readonly idempotency: TriggerIdempotency,
    private readonly reconciler: RunReconciler,
  ) {}

  @ApiRoute(API_ROUTES.listRuns)
  async list(@Query() query: unknown): Promise<{ runs: PublicPipelineRun[] }> {
    const q = parseRequest(ListRunsQuerySchema, query, 'query');
    return { runs: (await this.runs.list(q)).map(publicRun) };
  }

  @ApiRoute(API_ROUTES.getRun)
  async get(@Param('id') id: string): Promise<PublicPipelineRun> {
    const runId = parseRequest(PathIdSchema, id, 'id');
    const run = await this.runs.get(runId);
    if (!run) throw new TerminalError(ErrorCode.runNotFound, `no run with id "${runId}"`);
    return publicRun(run);
  }

  @ApiRoute(API_ROUTES.triggerRun)
  async trigger(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<z.infer<typeof TriggerRunAnswerSchema>> {
    const req = parseRequest(TriggerRunBodySchema, body, 'body');
    const launch = (runId: string = newRunId()) =>
      this.launcher.launch(
        req.definition,
        req.trigger ?? { kind: 'manual' },
        { ...(req.from ? { from: req.from } : {}), ...(req.to ? { to: req.to } : {}) },
        runId,
      );
    if (idempotencyKey === undefined) return launch();

    // A retry with the same key gets the run of the first request (issue 13).
    const key = parseRequest(IdempotencyKeySchema, idempotencyKey, 'Idempotency-Key header');
    const { runId, fresh } = await this.idempotency.reserve(key, TriggerIdempotency.fingerprint(req), newRunId());
    const existing = fresh ? undefined : await this.runs.get(runId);
    if (existing) {
      // The first request may have died between writing the run and enqueueing its first
      // stage: a replay of a still-queued run makes sure that job exists (idempotent: job ids are fixed).
      if (existing.state === 'queued') await this.reconciler.reconcile(runId);
      return { runId, traceId: existing.traceId ?? '' };
    }
    try {
      // A new key, or one whose first request stopped before it created the run.
      return await launch(runId);
    } catch (error) {
      const created = await this.runs.get(runId).catch(() => undefined);
      if (created) return { runId, traceId: created.traceId ?? '' }; // a concurrent request with the key created it
      if (error instanceof PipelineError && !error.retryable)
        await this.idempotency.release(key, runId).catch(() => undefined);
      throw error;
    }
  }
}
