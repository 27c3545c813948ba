import { RetryableError, TerminalError } from '@patch-factory/contracts';
import { OciErrorCode } from './oci-error-code';

/** The error for an unexpected registry status (`what` names the request, never a token). */
export function registryFailure(status: number, what: string): RetryableError | TerminalError {
  if (status === 401 || status === 403) return new TerminalError(OciErrorCode.auth, `${what}: the registry refused access (${status}); check the credentials and the repository's permissions`);
  if (status === 404) return new TerminalError(OciErrorCode.notFound, `${what}: not found (404); check the repository name and tag`);
  if (status === 429) return new RetryableError(OciErrorCode.rateLimited, `${what}: the registry asks to slow down (429)`);
  if (status >= 500) return new RetryableError(OciErrorCode.unavailable, `${what}: the registry failed (${status}); it may pass`);
  if (status >= 300 && status < 400) return new TerminalError(OciErrorCode.invalidResponse, `${what}: the registry redirected (${status}), which this client does not follow`);
  return new TerminalError(OciErrorCode.invalidResponse, `${what}: unexpected status ${status}`);
}
