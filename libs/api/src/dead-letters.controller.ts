import { Controller, Get, HttpCode, Param, Post, Query, UseFilters } from '@nestjs/common';
import { DeadLetterService, type DeadLetter } from '@patch-factory/queue';
import { RequireScope } from '@patch-factory/store';
import { ApiErrorFilter } from './api-error.filter';
import { ListDeadLettersQuerySchema, PathIdSchema } from './api.schemas';
import { parseRequest } from './parse-request';

/** The dead-letter queue: what failed for good, and putting it back. */
@Controller('dead-letters')
@UseFilters(ApiErrorFilter)
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLetterService) {}

  @Get()
  @RequireScope('read')
  async list(@Query() query: unknown): Promise<{ entries: DeadLetter[] }> {
    const q = parseRequest(ListDeadLettersQuerySchema, query, 'query');
    return { entries: await this.deadLetters.list(q.limit ?? 100) };
  }

  @Post(':id/replay')
  @RequireScope('replay')
  @HttpCode(200)
  async replay(@Param('id') id: string): Promise<{ queue: string; jobId: string; jobName: string }> {
    return this.deadLetters.replay(parseRequest(PathIdSchema, id, 'id'));
  }
}
