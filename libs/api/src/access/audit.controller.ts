import { Controller, Query, UseFilters } from '@nestjs/common';
import type { z } from 'zod';
import { AuditLog } from '@patch-factory/store';
import { ApiErrorFilter } from '../api-error.filter';
import { ApiRoute } from '../api-route.decorator';
import type { AuditListSchema } from '../api-responses.schemas';
import { API_ROUTES } from '../api.routes';
import { parseRequest } from '../parse-request';
import { ListAuditQuerySchema } from './access.schemas';

/** The audit log (admin): write actions and refused requests, newest first. */
@Controller()
@UseFilters(ApiErrorFilter)
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @ApiRoute(API_ROUTES.listAudit)
  async list(@Query() query: unknown): Promise<z.infer<typeof AuditListSchema>> {
    const q = parseRequest(ListAuditQuerySchema, query, 'query');
    return { entries: await this.audit.list(q.limit ?? 100, q.actor) };
  }
}
