import { RetryableError } from '@patch-factory/contracts';
import type { Octokit } from '@octokit/rest';
import { hasControlCharacter } from '../screen-value';
import type { SourceState } from '../source';
import { SourceErrorCode } from '../sources-errors';
import { failureOf, githubFailure, rateLimitError } from './github-failure';

/** Most pages of one listing read in a poll (100 items each). */
export const MAX_PAGES = 10;
const PER_PAGE = 100;

/** One listing of a repository. */
export interface ListingRequest {
  owner: string;
  repo: string;
  listing: 'releases' | 'tags';
  /** Items per page (default 100; tests use fewer). */
  perPage?: number;
}

/** The pages that changed, the state to keep, and how many were answered 304. */
export interface ListingResult {
  items: unknown[];
  state: SourceState;
  notModified: number;
}

/** An ETag we are willing to store and send back (bounded, printable). */
function safeEtag(value: unknown): string | undefined {
  return typeof value === 'string' &&
    value.length > 0 &&
    value.length <= 200 &&
    !hasControlCharacter(value) &&
    /^[\x20-\x7e]+$/.test(value)
    ? value
    : undefined;
}

/**
 * Read a listing page by page (`page=1…`, at most MAX_PAGES), each request conditional on the
 * ETag the state kept for that page: a 304 page is unchanged (it costs no rate limit) and gives
 * no items. The next page is read while the answer's `Link` has rel="next" (or, for a 304, while
 * the last poll saw more pages); the Link's URL itself is never followed, so a hostile header
 * cannot send the token elsewhere. `x-ratelimit-remaining: 0` before the last page throws
 * RetryableError(source-rate-limited) naming the reset time.
 */
export async function readListing(
  octokit: Octokit,
  req: ListingRequest,
  state: SourceState,
  signal: AbortSignal,
): Promise<ListingResult> {
  const what = `${req.listing} of ${req.owner}/${req.repo}`;
  const key = `${req.listing}:${req.owner}/${req.repo}`;
  const pagesKey = `pages:${key}`;
  const knownPages = Math.min(MAX_PAGES, Math.max(0, Math.floor(Number(state[pagesKey] ?? 0)) || 0));
  const next: SourceState = {};
  const items: unknown[] = [];
  let notModified = 0;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const etagKey = `etag:${key}:${page}`;
    const etag = safeEtag(state[etagKey]);
    let hasNext: boolean;
    let headers: Record<string, string | undefined>;
    try {
      const res = await octokit.request(`GET /repos/{owner}/{repo}/${req.listing}`, {
        owner: req.owner,
        repo: req.repo,
        per_page: req.perPage ?? PER_PAGE,
        page,
        headers: etag ? { 'if-none-match': etag } : {},
        request: { signal },
      });
      headers = res.headers as Record<string, string | undefined>;
      const data: unknown = res.data;
      if (!Array.isArray(data))
        throw new RetryableError(
          SourceErrorCode.unavailable,
          `GitHub answered something that is not a list to list ${what}`,
        );
      for (const item of data as unknown[]) items.push(item);
      const kept = safeEtag(headers['etag']);
      if (kept) next[etagKey] = kept;
      hasNext = /<[^>]*>\s*;\s*rel="?next"?/.test(String(headers['link'] ?? '').slice(0, 4000));
    } catch (error) {
      if (signal.aborted || error instanceof RetryableError) throw error;
      const f = failureOf(error);
      if (f?.status !== 304) throw githubFailure(error, what);
      notModified++;
      if (etag) next[etagKey] = etag;
      headers = f.headers;
      hasNext = page < knownPages;
    }
    if (!hasNext || page === MAX_PAGES) {
      next[pagesKey] = String(page);
      break;
    }
    const limited = rateLimitError(headers, what);
    if (limited) throw limited;
  }
  return { items, state: next, notModified };
}
