import { RetryableError, TerminalError, type PipelineError } from '@patch-factory/contracts';
import { ForgeErrorCode } from '../forge-errors';

/** The parts of an Octokit RequestError this lib reads (no request headers: they hold the token). */
export interface HttpFailure {
  status: number;
  headers: Record<string, string | undefined>;
  message: string;
  /** `errors[].message` of a 422 validation error. */
  details: string[];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** Read an HTTP failure out of whatever Octokit threw; undefined when it is not one. */
export function httpFailure(error: unknown): HttpFailure | undefined {
  const e = asRecord(error);
  if (!e || typeof e['status'] !== 'number') return undefined;
  const response = asRecord(e['response']);
  const rawHeaders = asRecord(response?.['headers']) ?? {};
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(rawHeaders))
    headers[k.toLowerCase()] = typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  const data = asRecord(response?.['data']);
  const message =
    typeof data?.['message'] === 'string' ? data['message'] : typeof e['message'] === 'string' ? e['message'] : '';
  const details = Array.isArray(data?.['errors'])
    ? data['errors'].map((x) => {
        const r = asRecord(x);
        return typeof r?.['message'] === 'string' ? r['message'] : typeof x === 'string' ? x : '';
      })
    : [];
  return {
    status: e['status'],
    headers,
    message: message.slice(0, 300),
    details: details.filter(Boolean).map((d) => d.slice(0, 200)),
  };
}

/** GitHub's answer to creating a second pull request for the same head and base. */
export function isPullRequestAlreadyExists(failure: HttpFailure | undefined): boolean {
  if (failure?.status !== 422) return false;
  return [failure.message, ...failure.details].some((m) => /pull request already exists/i.test(m));
}

/** A wait GitHub asks for, and which rule gave it. */
export interface RateLimitWait {
  ms: number;
  /** `retry-after` header, `x-ratelimit-reset` header, or the blind one-minute-doubling rule. */
  rule: 'retry-after' | 'reset' | 'blind';
}

/**
 * How long to wait before retrying a rate-limited answer, following GitHub's documented
 * rules; undefined when the answer is not a rate limit. `retry-after` first, then
 * `x-ratelimit-remaining: 0` with `x-ratelimit-reset`, else (a secondary limit without
 * headers) one minute, doubling with each such blind wait (`blindWaits` so far).
 */
export function rateLimitWait(failure: HttpFailure, now: number, blindWaits: number): RateLimitWait | undefined {
  if (failure.status !== 403 && failure.status !== 429) return undefined;
  const retryAfter = failure.headers['retry-after'];
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return { ms: Math.ceil(seconds * 1000), rule: 'retry-after' };
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return { ms: Math.max(0, at - now), rule: 'retry-after' };
  }
  const reset = Number(failure.headers['x-ratelimit-reset']);
  if (failure.headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset)) {
    return { ms: Math.max(0, reset * 1000 - now) + 1000, rule: 'reset' };
  }
  if (failure.status === 429 || /secondary rate limit|abuse/i.test(failure.message))
    return { ms: 60_000 * 2 ** blindWaits, rule: 'blind' };
  return undefined;
}

/** A failure a person can act on, for `what` (e.g. "create the pull request for pf/x"). Never includes the token. */
export function githubError(failure: HttpFailure | undefined, what: string): PipelineError {
  if (!failure) return new RetryableError(ForgeErrorCode.githubUnavailable, `GitHub could not be reached to ${what}`);
  const said = [failure.message, ...failure.details].filter(Boolean).join('; ') || 'no message';
  switch (true) {
    case failure.status === 401:
      return new TerminalError(
        ForgeErrorCode.githubAuth,
        `GitHub refused the token (401) to ${what}: check that the token is valid and not expired`,
      );
    case failure.status === 403:
      return new TerminalError(
        ForgeErrorCode.githubAuth,
        `GitHub denied the request (403) to ${what}: the token needs Pull requests and Contents write access on the repository (${said})`,
      );
    case failure.status === 404:
      return new TerminalError(
        ForgeErrorCode.githubNotFound,
        `GitHub found nothing (404) to ${what}: check owner, repo and that the token can see the repository`,
      );
    case failure.status === 429:
      return new RetryableError(ForgeErrorCode.githubRateLimited, `GitHub rate limit to ${what}: ${said}`);
    case failure.status >= 500:
      return new RetryableError(
        ForgeErrorCode.githubUnavailable,
        `GitHub answered ${failure.status} to ${what}: ${said}`,
      );
    default:
      return new TerminalError(
        ForgeErrorCode.githubRejected,
        `GitHub rejected the request (${failure.status}) to ${what}: ${said}`,
      );
  }
}
