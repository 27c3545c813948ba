import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PipelineError } from '@patch-factory/contracts';
import { LOGGER, type Logger } from '@patch-factory/telemetry';

/** HTTP status of an error code the API can answer with. */
const STATUS: Record<string, number> = {
  'invalid-request': 400,
  'invalid-payload': 400,
  'payload-too-large': 413,
  'run-not-found': 404,
  'dead-letter-not-found': 404,
  'token-not-found': 404,
  'job-id-in-use': 409,
  'advisory-owned-by-feed': 409,
  'dead-letter-mismatch': 422,
  'idempotency-key-reused': 422,
  'unknown-job': 422,
  'invalid-signature': 401,
  'webhooks-not-configured': 503,
  // Outbound webhooks (libs/notifying, libs/webhooks).
  'webhook-subscription-invalid': 400,
  'webhook-subscription-not-found': 404,
  'webhook-delivery-not-found': 404,
  // A replay of a disabled subscription's deliveries: enable it first.
  'webhook-replay-invalid': 409,
  'webhook-event-expired': 410,
  // PF_WEBHOOK_SECRET_KEYS unset: the message says how to set it.
  'webhook-secret-keys-missing': 503,
};

/**
 * Every API error is `{ "error": { "code", "message" } }` with a fitting status. Messages written
 * for callers (PipelineErrors, HTTP and body errors) are answered; any other error is logged with
 * the request id and answered with a generic message carrying that id, never its own text.
 */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof PipelineError) {
      res
        .status(STATUS[error.code] ?? (error.retryable ? 503 : 422))
        .json({ error: { code: error.code, message: error.message } });
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      // The access guard's refusals carry their own `{ error: { code, message } }`.
      const body = error.getResponse();
      if (isErrorBody(body)) {
        res.status(status).json(body);
        return;
      }
      const code =
        status === 413
          ? 'payload-too-large'
          : status === 404
            ? 'not-found'
            : status === 400
              ? 'invalid-request'
              : 'http-error';
      res.status(status).json({ error: { code, message: error.message } });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    // body-parser's errors carry an HTTP status (400 malformed JSON, 413 too large, 415 charset).
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = status === 413 ? 'payload-too-large' : status === 415 ? 'unsupported-media-type' : 'invalid-request';
      res.status(status).json({ error: { code, message: `request body: ${message}` } });
      return;
    }
    const req = host.switchToHttp().getRequest<Request>();
    const requestId = typeof res.locals['requestId'] === 'string' ? res.locals['requestId'] : undefined;
    this.logger.error(
      {
        requestId,
        method: req.method,
        path: req.path,
        err: message,
        errName: error instanceof Error ? error.name : typeof error,
      },
      'request failed unexpectedly',
    );
    res.status(503).json({
      error: {
        code: 'unavailable',
        message: `the factory could not complete the request (request id ${requestId ?? 'unknown'}); the cause is in the server log`,
        requestId,
      },
    });
  }
}

function isErrorBody(body: unknown): body is { error: { code: string; message: string } } {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof e?.code === 'string' && typeof e.message === 'string';
}
