/** An answer the double gives instead of its normal one, to exercise the client's error paths. */
export type GithubFaultKind =
  /** 403 "You have exceeded a secondary rate limit" (GitHub's documented body; retry-after if given). */
  | 'secondary-rate-limit'
  /** 403 "API rate limit exceeded" with x-ratelimit-remaining: 0 and x-ratelimit-reset. */
  | 'primary-rate-limit'
  /** 429 with retry-after. */
  | 'too-many-requests'
  /** A 5xx (default 502) with a basic-error body. */
  | 'server-error'
  /** 422 Validation Failed (a generic refusal). */
  | 'unprocessable'
  /** 403 "Resource not accessible by integration" (the token lacks a permission). */
  | 'forbidden'
  /** Before handling the next POST /pulls, create that pull request as a concurrent client would (the real handler then answers 422). */
  | 'concurrent-create';

export interface GithubFault {
  kind: GithubFaultKind;
  /** How many matching requests get it (default 1). */
  count?: number;
  /** Only requests with this method (e.g. POST). */
  method?: string;
  /** Only this operation (e.g. pulls/create). */
  operationId?: string;
  /** retry-after seconds (secondary-rate-limit, too-many-requests). */
  retryAfterSeconds?: number;
  /** Seconds from the double's now until x-ratelimit-reset (primary-rate-limit; default 60). */
  resetInSeconds?: number;
  /** Status for server-error (default 502). */
  status?: number;
}

/** The bodies and headers GitHub documents for its rate limits. */
export const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api';

export interface FaultAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The answer of a fault at `now` (ms); undefined for faults that change state instead. */
export function faultAnswer(fault: GithubFault, now: number): FaultAnswer | undefined {
  const seconds = Math.floor(now / 1000);
  switch (fault.kind) {
    case 'secondary-rate-limit':
      return {
        status: 403,
        headers: fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
        body: {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.',
          documentation_url: `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`,
        },
      };
    case 'primary-rate-limit':
      return {
        status: 403,
        headers: {
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': '5000',
          'x-ratelimit-resource': 'core',
          'x-ratelimit-reset': String(seconds + (fault.resetInSeconds ?? 60)),
        },
        body: {
          message: 'API rate limit exceeded for user ID 1.',
          documentation_url: `${RATE_LIMIT_DOCS}#about-primary-rate-limits`,
        },
      };
    case 'too-many-requests':
      return {
        status: 429,
        headers: { 'retry-after': String(fault.retryAfterSeconds ?? 30) },
        body: { message: 'Too Many Requests', documentation_url: `${RATE_LIMIT_DOCS}#about-secondary-rate-limits` },
      };
    case 'server-error':
      return {
        status: fault.status ?? 502,
        headers: {},
        body: { message: 'Server Error', documentation_url: 'https://docs.github.com/rest' },
      };
    case 'unprocessable':
      return {
        status: 422,
        headers: {},
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'Issue', code: 'custom', message: 'injected refusal' }],
          documentation_url: 'https://docs.github.com/rest',
        },
      };
    case 'forbidden':
      return {
        status: 403,
        headers: {},
        body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' },
      };
    case 'concurrent-create':
      return undefined;
  }
}
