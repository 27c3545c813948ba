import { Controller, Param, Query, UseFilters } from '@nestjs/common';
import type { z } from 'zod';
import { DeadLetterService } from '@patch-factory/queue';
import { ApiErrorFilter } from './api-error.filter';
import { ApiRoute } from './api-route.decorator';
import type { DeadLetterListSchema, ReplayAnswerSchema } from './api-responses.schemas';
import { API_ROUTES } from './api.routes';
import { ListDeadLettersQuerySchema, PathIdSchema } from './api.schemas';
import { parseRequest } from './parse-request';

/** The dead-letter queue: what failed for good, and putting it back. */
@Controller()
@UseFilters(ApiErrorFilter)
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLetterService) {}

  @ApiRoute(API_ROUTES.listDeadLetters)
  async list(@Query() query: unknown): Promise<z.infer<typeof DeadLetterListSchema>> {
    const q = parseRequest(ListDeadLettersQuerySchema, query, 'query');
    return { entries: await this.deadLetters.list(q.limit ?? 100) };
  }

  @ApiRoute(API_ROUTES.replayDeadLetter)
  async replay(@Param('id') id: string): Promise<z.infer<typeof ReplayAnswerSchema>> {
    return this.deadLetters.replay(parseRequest(PathIdSchema, id, 'id'));
  }
}
