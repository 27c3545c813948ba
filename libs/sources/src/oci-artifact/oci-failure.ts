import { PipelineError, RetryableError, TerminalError } from '@patch-factory/contracts';
import { OciErrorCode } from '@patch-factory/oci';
import { SourceErrorCode } from '../sources-errors';

/** Re-raise an @patch-factory/oci failure under the sources' codes (same message, kind and cause). */
export function asSourceFailure(error: unknown): unknown {
  if (!(error instanceof PipelineError)) return error;
  const code =
    error.code === OciErrorCode.auth
      ? SourceErrorCode.auth
      : error.code === OciErrorCode.notFound
        ? SourceErrorCode.notFound
        : error.code === OciErrorCode.rateLimited
          ? SourceErrorCode.rateLimited
          : error.code === OciErrorCode.unavailable
            ? SourceErrorCode.unavailable
            : error.code === OciErrorCode.invalidReference || error.code === OciErrorCode.invalidRegistry
              ? SourceErrorCode.invalidConfig
              : undefined;
  if (code === undefined) return error;
  return error.retryable
    ? new RetryableError(code, error.message, { cause: error })
    : new TerminalError(code, error.message, { cause: error });
}
