import { Controller, Get, Query, UseFilters } from '@nestjs/common';
import { AuditLog, RequireScope, type AuditEntry } from '@patch-factory/store';
import { ApiErrorFilter } from '../api-error.filter';
import { parseRequest } from '../parse-request';
import { ListAuditQuerySchema } from './access.schemas';

/** The audit log (admin): write actions and refused requests, newest first. */
@Controller('audit')
@UseFilters(ApiErrorFilter)
@RequireScope('admin')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ entries: AuditEntry[] }> {
    const q = parseRequest(ListAuditQuerySchema, query, 'query');
    return { entries: await this.audit.list(q.limit ?? 100, q.actor) };
  }
}
