import { Octokit } from '@octokit/rest';
import type { SourceDeps } from '../source';

/** An Octokit for reading listings: no retries of its own (the caller's job is retried), a per-request timeout. */
export function createGithubReader(deps: SourceDeps['github'] = {}): Octokit {
  const timeoutMs = deps.requestTimeoutMs ?? 30_000;
  return new Octokit({
    ...(deps.token ? { auth: deps.token } : {}),
    baseUrl: (deps.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: 'patch-factory-sources',
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    request: {
      fetch: (url: string | URL, init?: RequestInit) =>
        fetch(url, {
          ...init,
          signal: init?.signal
            ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)])
            : AbortSignal.timeout(timeoutMs),
        }),
    },
  });
}
