import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { PipelineError } from '@patch-factory/contracts';

/** HTTP status of an error code the API can answer with. */
const STATUS: Record<string, number> = {
  'invalid-request': 400,
  'invalid-payload': 400,
  'payload-too-large': 413,
  'run-not-found': 404,
  'dead-letter-not-found': 404,
  'job-id-in-use': 409,
  'dead-letter-mismatch': 422,
  'idempotency-key-reused': 422,
  'unknown-job': 422,
  'invalid-signature': 401,
  'webhooks-not-configured': 503,
};

/** Every API error is `{ "error": { "code", "message" } }` with a fitting status. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof PipelineError) {
      res.status(STATUS[error.code] ?? (error.retryable ? 503 : 422)).json({ error: { code: error.code, message: error.message } });
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const code = status === 413 ? 'payload-too-large' : status === 404 ? 'not-found' : status === 400 ? 'invalid-request' : 'http-error';
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
    res.status(503).json({ error: { code: 'unavailable', message: `the factory could not complete the request: ${message}` } });
  }
}
