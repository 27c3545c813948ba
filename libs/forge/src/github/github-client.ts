import { RetryableError } from '@patch-factory/contracts';
import { Octokit } from '@octokit/rest';
import type { Clock } from '../clock';
import { ForgeErrorCode } from '../forge-errors';
import type { ForgeLogger } from '../forge-logger';
import type { ParsedGithubForgeConfig } from './github-config.schema';
import { httpFailure, rateLimitWait } from './github-http-failure';
import { WriteRateLimiter } from './write-rate-limiter';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * An Octokit for one repository whose every request:
 * - waits for the write limiter when it creates content (POST/PATCH/PUT/DELETE);
 * - waits out a primary limit announced by `x-ratelimit-remaining: 0` on an earlier answer;
 * - on 403/429 rate limits waits as GitHub says (retry-after, x-ratelimit-reset, else one
 *   minute doubling) and retries, at most `maxRetries` times and never longer than `maxWaitMs`;
 * - on 5xx or a failed connection retries with exponential backoff, at most `maxRetries` times.
 * Other 4xx answers are thrown to the adapter. Nothing here logs the token or request headers.
 */
export function createGithubClient(config: ParsedGithubForgeConfig, clock: Clock, logger: ForgeLogger): Octokit {
  const octokit = new Octokit({
    auth: config.token,
    baseUrl: config.baseUrl,
    userAgent: 'patch-factory',
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    request: {
      fetch: (url: string | URL, init?: RequestInit) =>
        fetch(url, { ...init, signal: AbortSignal.timeout(config.requestTimeoutMs) }),
    },
  });
  const limiter = new WriteRateLimiter(config.writesPerMinute, clock);
  let blockedUntil = 0;

  octokit.hook.wrap('request', async (request, options) => {
    const method = String(options.method).toUpperCase();
    const operation = `${method} ${String(options.url)}`;
    let rateRetries = 0;
    let blindWaits = 0;
    let serverRetries = 0;
    for (let round = 0; round <= 2 * config.maxRetries + 1; round++) {
      const blocked = blockedUntil - clock.now();
      if (blocked > 0) {
        if (blocked > config.maxWaitMs) {
          throw new RetryableError(
            ForgeErrorCode.githubRateLimited,
            `GitHub rate limit exhausted until ${new Date(blockedUntil).toISOString()} (${operation})`,
          );
        }
        await clock.sleep(blocked);
      }
      if (!READ_METHODS.has(method)) await limiter.acquire();
      try {
        const response = await request(options);
        const headers = response.headers as Record<string, string | number | undefined>;
        if (String(headers['x-ratelimit-remaining']) === '0' && headers['x-ratelimit-reset'] !== undefined) {
          blockedUntil = Number(headers['x-ratelimit-reset']) * 1000 + 1000;
        }
        return response;
      } catch (error) {
        const failure = httpFailure(error);
        if (!failure) throw error;
        const now = clock.now();
        const limit = rateLimitWait(failure, now, blindWaits);
        if (limit !== undefined) {
          const wait = limit.ms;
          if (rateRetries >= config.maxRetries || wait > config.maxWaitMs) {
            throw new RetryableError(
              ForgeErrorCode.githubRateLimited,
              `GitHub rate limit (${failure.status}) on ${operation} after ${rateRetries} retries: retry after ${new Date(now + wait).toISOString()}`,
            );
          }
          rateRetries++;
          if (limit.rule === 'blind') blindWaits++;
          logger.warn(
            { operation, status: failure.status, waitMs: wait, rule: limit.rule, attempt: rateRetries },
            'github rate limited; waiting',
          );
          await clock.sleep(wait);
          continue;
        }
        if (failure.status >= 500) {
          if (serverRetries >= config.maxRetries) {
            throw new RetryableError(
              ForgeErrorCode.githubUnavailable,
              `GitHub answered ${failure.status} to ${operation} ${serverRetries + 1} times: ${failure.message || 'no message'}`,
            );
          }
          const backoff = Math.min(60_000, config.backoffBaseMs * 2 ** serverRetries);
          serverRetries++;
          logger.warn(
            { operation, status: failure.status, waitMs: backoff, attempt: serverRetries },
            'github unavailable; retrying',
          );
          await clock.sleep(backoff);
          continue;
        }
        throw error;
      }
    }
    throw new RetryableError(
      ForgeErrorCode.githubUnavailable,
      `GitHub did not answer ${operation} within the retry budget`,
    );
  });
  return octokit;
}
