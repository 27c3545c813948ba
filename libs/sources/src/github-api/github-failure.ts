import { RetryableError, TerminalError, type PipelineError } from '@patch-factory/contracts';
import { SourceErrorCode } from '../sources-errors';

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** The status and lower-cased headers of whatever Octokit threw; undefined for non-HTTP failures. */
export function failureOf(error: unknown): { status: number; headers: Record<string, string> } | undefined {
  const e = asRecord(error);
  if (!e || typeof e['status'] !== 'number') return undefined;
  const raw = asRecord(asRecord(e['response'])?.['headers']) ?? {};
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw))
    if (typeof v === 'string' || typeof v === 'number') headers[k.toLowerCase()] = String(v);
  return { status: e['status'], headers };
}

/** `x-ratelimit-reset` (epoch seconds) as an ISO time, or undefined when absent or malformed. */
export function resetTime(headers: Record<string, string | undefined>): string | undefined {
  const reset = Number(headers['x-ratelimit-reset']);
  return Number.isFinite(reset) && reset > 0 && reset < 1e11 ? new Date(reset * 1000).toISOString() : undefined;
}

/** The rate-limit error for `what` when `headers` say the limit is exhausted (remaining 0). */
export function rateLimitError(headers: Record<string, string | undefined>, what: string): RetryableError | undefined {
  if (headers['x-ratelimit-remaining'] !== '0') return undefined;
  const reset = resetTime(headers);
  return new RetryableError(
    SourceErrorCode.rateLimited,
    `GitHub rate limit exhausted while listing ${what}: retry after ${reset ?? 'the reset GitHub announces'}`,
  );
}

/** A failure a person can act on for listing `what` (`releases of owner/repo`). Never includes the token. */
export function githubFailure(error: unknown, what: string): PipelineError {
  const f = failureOf(error);
  if (!f)
    return new RetryableError(SourceErrorCode.unavailable, `GitHub could not be reached to list ${what}`, {
      cause: error,
    });
  const limited = f.status === 403 || f.status === 429 ? rateLimitError(f.headers, what) : undefined;
  if (limited) return limited;
  const retryAfter = Number(f.headers['retry-after']);
  if (f.status === 429 || (f.status === 403 && Number.isFinite(retryAfter) && f.headers['retry-after'] !== undefined)) {
    return new RetryableError(
      SourceErrorCode.rateLimited,
      `GitHub rate limit (${f.status}) while listing ${what}: retry after ${Number.isFinite(retryAfter) ? `${retryAfter} s` : 'a minute'}`,
    );
  }
  if (f.status === 401)
    return new TerminalError(
      SourceErrorCode.auth,
      `GitHub refused the token (401) to list ${what}: check that it is valid and not expired`,
    );
  if (f.status === 403)
    return new TerminalError(
      SourceErrorCode.auth,
      `GitHub denied access (403) to list ${what}: the token needs read access to the repository`,
    );
  if (f.status === 404)
    return new TerminalError(
      SourceErrorCode.notFound,
      `GitHub found nothing (404) to list ${what}: check owner and repo in the track entry`,
    );
  if (f.status >= 500)
    return new RetryableError(SourceErrorCode.unavailable, `GitHub answered ${f.status} to list ${what}`);
  return new TerminalError(SourceErrorCode.unavailable, `GitHub rejected the request (${f.status}) to list ${what}`);
}
