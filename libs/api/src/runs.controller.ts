import { Body, Controller, Get, HttpCode, Param, Post, Query, UseFilters } from '@nestjs/common';
import { ErrorCode, TerminalError, type PipelineRun } from '@patch-factory/contracts';
import { RunLauncher } from '@patch-factory/pipeline';
import { RunRepository } from '@patch-factory/store';
import { ApiErrorFilter } from './api-error.filter';
import { ListRunsQuerySchema, PathIdSchema, TriggerRunBodySchema } from './api.schemas';
import { parseRequest } from './parse-request';

/** Pipeline runs: list, get (with the stage timeline), trigger. */
@Controller('runs')
@UseFilters(ApiErrorFilter)
export class RunsController {
  constructor(
    private readonly runs: RunRepository,
    private readonly launcher: RunLauncher,
  ) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ runs: PipelineRun[] }> {
    const q = parseRequest(ListRunsQuerySchema, query, 'query');
    return { runs: await this.runs.list(q) };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<PipelineRun> {
    const runId = parseRequest(PathIdSchema, id, 'id');
    const run = await this.runs.get(runId);
    if (!run) throw new TerminalError(ErrorCode.runNotFound, `no run with id "${runId}"`);
    return run;
  }

  @Post()
  @HttpCode(202)
  async trigger(@Body() body: unknown): Promise<{ runId: string; traceId: string }> {
    const req = parseRequest(TriggerRunBodySchema, body, 'body');
    return this.launcher.launch(req.definition, req.trigger ?? { kind: 'manual' }, {
      ...(req.from ? { from: req.from } : {}),
      ...(req.to ? { to: req.to } : {}),
    });
  }
}
