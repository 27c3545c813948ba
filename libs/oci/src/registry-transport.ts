import { RetryableError } from '@patch-factory/contracts';
import { discardBody } from '@patch-factory/http';
import { parseAuthChallenge, type AuthChallenge } from './bearer-challenge';
import { boundedFetch, openFetch, type BoundedResponse, type OpenResponse, type RegistryMethod } from './bounded-fetch';
import { OciErrorCode } from './oci-errors';
import {
  abortableSleep,
  backoffDelay,
  parseRetryAfter,
  retryPolicy,
  type RetryOptions,
  type RetryPolicy,
} from './retry-policy';
import { basicAuthorization, fetchRegistryToken, type RegistryCredentials } from './registry-token';

const USER_AGENT = 'patch-factory-oci';

/** One request to the registry, made by RegistryTransport. */
export interface RegistryRequest {
  method: RegistryMethod;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
  /** The token scope the request needs (see token-scope.ts). */
  scope: string;
  /** Names the operation, repository and registry in error messages. */
  what: string;
  signal?: AbortSignal;
  /** One attempt only (a 429/5xx is returned): the caller resumes by itself (uploads). */
  once?: boolean;
  /** Largest body read (default: the transport's). */
  maxBytes?: number;
  /** Timeout of the request (default: the transport's). */
  timeoutMs?: number;
}

/** How a transport reaches its registry. */
export interface RegistryTransportOptions {
  registry: string;
  credentials?: RegistryCredentials;
  timeoutMs: number;
  maxResponseBytes: number;
  retry?: RetryOptions;
}

/** True for the statuses worth another attempt. */
export const isRetryableStatus = (status: number): boolean => status === 429 || status >= 500;

/**
 * Requests to one registry: answers a 401 Bearer/Basic challenge once (the Authorization is
 * cached per token scope), and retries 429, 5xx and connection failures with exponential
 * backoff and jitter, honouring `Retry-After`, at most `retry.attempts` times. When they are
 * spent it throws RetryableError(oci-rate-limited | oci-unavailable) naming the attempts and the
 * last status.
 */
export class RegistryTransport {
  readonly registry: string;
  readonly policy: RetryPolicy;
  private readonly credentials: RegistryCredentials | undefined;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  /** `Authorization` value per token scope, learnt from a challenge. */
  private readonly authorization = new Map<string, string>();
  /** Token fetches in flight, per scope. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(options: RegistryTransportOptions) {
    this.registry = options.registry;
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs;
    this.maxBytes = options.maxResponseBytes;
    this.policy = retryPolicy(options.retry);
  }

  /** Send `req`, reading the body to at most `maxBytes`. */
  send(req: RegistryRequest): Promise<BoundedResponse> {
    return this.withRetries(req, (headers) =>
      boundedFetch({ ...this.base(req, headers), maxBytes: req.maxBytes ?? this.maxBytes }),
    );
  }

  /** Send `req` and return the response with its body unread (the caller streams and bounds it). */
  open(req: RegistryRequest): Promise<OpenResponse> {
    return this.withRetries(
      req,
      (headers) => openFetch(this.base(req, headers)),
      (res) => discardBody(res.response),
    );
  }

  /** Wait before the attempt after `failures` failures: `Retry-After` when given, else backoff. */
  delayAfter(failures: number, headers: Headers | undefined): number {
    return (
      parseRetryAfter(headers?.get('retry-after') ?? null, this.policy.maxRetryAfterMs) ??
      backoffDelay(failures, this.policy)
    );
  }

  /** The error once the attempts are spent. */
  exhausted(what: string, attempts: number, lastStatus: number | undefined, cause?: unknown): RetryableError {
    const last = lastStatus === undefined ? 'the registry could not be reached' : `last status ${lastStatus}`;
    const code = lastStatus === 429 ? OciErrorCode.rateLimited : OciErrorCode.unavailable;
    const hint =
      lastStatus === 429
        ? 'the registry is rate limiting: retry later or lower the concurrency'
        : 'check that the registry is up and reachable, then retry';
    return new RetryableError(
      code,
      `${what}: gave up after ${attempts} attempt(s) (${last}); ${hint}`,
      cause === undefined ? undefined : { cause },
    );
  }

  private base(req: RegistryRequest, authorization: string | undefined) {
    return {
      url: req.url,
      method: req.method,
      headers: { 'user-agent': USER_AGENT, ...req.headers, ...(authorization ? { authorization } : {}) },
      ...(req.body ? { body: req.body } : {}),
      timeoutMs: req.timeoutMs ?? this.timeoutMs,
      ...(req.signal ? { signal: req.signal } : {}),
      what: req.what,
    };
  }

  private async withRetries<T extends { status: number; headers: Headers }>(
    req: RegistryRequest,
    exchange: (authorization: string | undefined) => Promise<T>,
    drop: (res: T) => Promise<void> = () => Promise.resolve(),
  ): Promise<T> {
    const attempts = req.once ? 1 : this.policy.attempts;
    let lastStatus: number | undefined;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let headers: Headers | undefined;
      try {
        const res = await this.authorized(req, exchange, drop);
        if (req.once || !isRetryableStatus(res.status)) return res;
        lastStatus = res.status;
        headers = res.headers;
        await drop(res);
      } catch (error) {
        if (req.once || !(error instanceof RetryableError) || req.signal?.aborted) throw error;
        lastError = error;
        lastStatus = undefined;
      }
      if (attempt < attempts) await abortableSleep(this.delayAfter(attempt, headers), req.signal);
    }
    throw this.exhausted(req.what, attempts, lastStatus, lastError);
  }

  /** One attempt, answering a 401 challenge once. */
  private async authorized<T extends { status: number; headers: Headers }>(
    req: RegistryRequest,
    exchange: (authorization: string | undefined) => Promise<T>,
    drop: (res: T) => Promise<void>,
  ): Promise<T> {
    const known = this.authorization.get(req.scope);
    const res = await exchange(known);
    if (res.status !== 401) return res;
    const challenge = parseAuthChallenge(res.headers.get('www-authenticate'));
    if (challenge === undefined || (challenge.scheme === 'basic' && !this.credentials)) return res;
    let authorization = this.authorization.get(req.scope);
    if (authorization === undefined || authorization === known) {
      // One token fetch per scope at a time: concurrent requests wait for it.
      let pending = this.pending.get(req.scope);
      if (!pending) {
        pending = this.answer(challenge, req).finally(() => this.pending.delete(req.scope));
        this.pending.set(req.scope, pending);
      }
      authorization = await pending;
    }
    if (authorization === known) return res;
    await drop(res);
    this.authorization.set(req.scope, authorization);
    return exchange(authorization);
  }

  /** The Authorization answering `challenge` for `req.scope`. */
  private async answer(challenge: AuthChallenge, req: RegistryRequest): Promise<string> {
    if (challenge.scheme === 'basic') return basicAuthorization(this.credentials as RegistryCredentials);
    const token = await fetchRegistryToken({
      challenge,
      defaultScope: req.scope,
      scope: req.scope,
      ...(this.credentials ? { credentials: this.credentials } : {}),
      timeoutMs: this.timeoutMs,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    return `Bearer ${token}`;
  }
}
