import type { NextFunction, Request, Response } from 'express';
import { AuditLog, principalOf } from '@patch-factory/store';
import type { Logger } from '@patch-factory/telemetry';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Reads are audited only when refused for want of credentials, scope or rate. */
const AUDITED_READ_STATUSES = new Set([401, 403, 429]);

/**
 * Records every write request (and every refused read) in the audit log when its answer is
 * sent: who (token id and name, `anonymous`, or `github-webhook` for a delivery whose signature
 * held), what (method and path, never the query or body), when, and the status. Registered
 * first, so the Host/Origin guard's refusals are recorded too. A failure to record is logged,
 * never answered.
 */
export function auditMiddleware(audit: AuditLog, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const startedAt = Date.now();
    res.on('finish', () => {
      if (READS.has(req.method) && !AUDITED_READ_STATUSES.has(res.statusCode)) return;
      const path = (req.originalUrl ?? req.url ?? '').split('?')[0] ?? '';
      const principal = principalOf(req);
      const actor =
        principal?.tokenId ?? (path.startsWith('/webhooks/') && res.statusCode < 400 ? 'github-webhook' : 'anonymous');
      const requestId = typeof res.locals['requestId'] === 'string' ? res.locals['requestId'] : undefined;
      audit
        .append({
          at: startedAt,
          actor,
          ...(principal ? { actorName: principal.name } : {}),
          method: req.method,
          path,
          status: res.statusCode,
          ...(requestId ? { requestId } : {}),
          ...(req.socket.remoteAddress ? { remote: req.socket.remoteAddress } : {}),
        })
        .catch((error: unknown) =>
          logger.warn({ err: (error as Error).message, method: req.method, path }, 'audit entry not recorded'),
        );
    });
    next();
  };
}
