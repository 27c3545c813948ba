import { RetryableError, TerminalError } from '@patch-factory/contracts';
import { OciErrorCode } from './oci-errors';
import { describeRegistryErrors, isUploadRace, registryErrors } from './registry-error-body';

/**
 * The error for an unexpected registry status (`what` names the request, never a token). With
 * the response body, a 4xx names the registry's distribution-spec error codes and messages; a
 * 400 that is an upload race (see isUploadRace: only the retries of the caller were spent) is
 * retryable, any other 400 final.
 */
export function registryFailure(status: number, what: string, body?: Buffer): RetryableError | TerminalError {
  if (status === 401 || status === 403)
    return new TerminalError(
      OciErrorCode.auth,
      `${what}: the registry refused access (${status}); check the credentials and the repository's permissions`,
    );
  if (status === 404)
    return new TerminalError(OciErrorCode.notFound, `${what}: not found (404); check the repository name and tag`);
  if (status === 429)
    return new RetryableError(OciErrorCode.rateLimited, `${what}: the registry asks to slow down (429)`);
  if (status >= 500)
    return new RetryableError(OciErrorCode.unavailable, `${what}: the registry failed (${status}); it may pass`);
  if (status >= 300 && status < 400)
    return new TerminalError(
      OciErrorCode.invalidResponse,
      `${what}: the registry redirected (${status}), which this client does not follow`,
    );
  const errors = registryErrors(body);
  if (isUploadRace(status, errors)) {
    return new RetryableError(
      OciErrorCode.unavailable,
      `${what}: the registry kept answering ${status} ${describeRegistryErrors(errors)} (content another upload was landing); it may pass`,
    );
  }
  const said = errors.length > 0 ? `: the registry says ${describeRegistryErrors(errors)}` : '';
  return new TerminalError(OciErrorCode.invalidResponse, `${what}: unexpected status ${status}${said}`);
}
