import { createHash } from 'node:crypto';
import type { DescribedOperation, JsonSchema } from './openapi-description';
import { deepMerge, fakeSha } from './github-pulls';
import type { Answer, RouteHandler } from './github-repo-state';
import { sampleFor } from './schema-sample';

/** A release as a test adds it. Values are passed through untouched (hostile names welcome). */
export interface ReleaseSeed {
  tag: string;
  /** The release title (default: the tag). */
  name?: string | null;
  draft?: boolean;
  prerelease?: boolean;
  /** target_commitish (default: a fake commit sha). */
  target?: string;
  /** published_at (ms); default: the double's now. */
  publishedAt?: number;
}

/** A release the double holds. */
export interface DoubleRelease {
  id: number;
  tag: string;
  name: string | null;
  draft: boolean;
  prerelease: boolean;
  target: string;
  publishedAt: number;
}

/** A tag the double holds. */
export interface DoubleTag {
  name: string;
  sha: string;
}

/**
 * Releases and tags of the double's repository, with the two listing operations
 * (repos/list-releases, repos/list-tags): newest first, `per_page` (max 100) + `page`, and a
 * `Link: <…>; rel="next"` header pointing back at the double while more pages follow.
 */
export function createGithubVersions(o: { owner: string; repo: string; now: () => number; baseUrl: () => string }) {
  const { owner, repo, now, baseUrl } = o;
  const releases: DoubleRelease[] = [];
  const tags: DoubleTag[] = [];
  const samples = new Map<string, unknown>();
  const itemSample = (op: DescribedOperation): unknown => {
    if (!samples.has(op.operationId)) {
      const schema = op.operation.responses['200']?.content?.['application/json']?.schema?.['items'] as
        JsonSchema | undefined;
      samples.set(op.operationId, sampleFor(schema));
    }
    return structuredClone(samples.get(op.operationId));
  };
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

  const page = <T>(q: URLSearchParams, all: T[], path: string, render: (x: T) => unknown): Answer => {
    const perPage = Math.max(1, Math.min(100, Number(q.get('per_page') ?? 30)));
    const n = Math.max(1, Number(q.get('page') ?? 1));
    const newestFirst = [...all].reverse();
    const headers: Record<string, string> = {};
    if (n * perPage < newestFirst.length) {
      const last = Math.ceil(newestFirst.length / perPage);
      const at = (p: number) => `${baseUrl()}/repos/${owner}/${repo}/${path}?per_page=${perPage}&page=${p}`;
      headers['link'] = `<${at(n + 1)}>; rel="next", <${at(last)}>; rel="last"`;
    }
    return { status: 200, headers, body: newestFirst.slice((n - 1) * perPage, n * perPage).map(render) };
  };

  const handlers: Record<string, RouteHandler> = {
    'repos/list-releases': (op, q) =>
      page(q, releases, 'releases', (r) =>
        deepMerge(itemSample(op), {
          id: r.id,
          node_id: `RE_${r.id}`,
          tag_name: r.tag,
          name: r.name,
          draft: r.draft,
          prerelease: r.prerelease,
          target_commitish: r.target,
          created_at: iso(r.publishedAt),
          published_at: r.draft ? null : iso(r.publishedAt),
          url: `https://api.github.example.invalid/repos/${owner}/${repo}/releases/${r.id}`,
          html_url: `https://github.example.invalid/${owner}/${repo}/releases/${r.id}`,
        }),
      ),
    'repos/list-tags': (op, q) =>
      page(q, tags, 'tags', (t) =>
        deepMerge(itemSample(op), {
          name: t.name,
          node_id: `REF_${t.sha.slice(0, 12)}`,
          commit: { sha: t.sha, url: `https://api.github.example.invalid/repos/${owner}/${repo}/commits/${t.sha}` },
        }),
      ),
  };

  return {
    releases,
    tags,
    handlers,
    addRelease: (s: ReleaseSeed): DoubleRelease => {
      const r: DoubleRelease = {
        id: releases.length + 1,
        tag: s.tag,
        name: s.name === undefined ? s.tag : s.name,
        draft: s.draft ?? false,
        prerelease: s.prerelease ?? false,
        target: s.target ?? fakeSha(`release:${s.tag}`),
        publishedAt: s.publishedAt ?? now(),
      };
      releases.push(r);
      return r;
    },
    addTag: (name: string, sha?: string): DoubleTag => {
      const t = { name, sha: sha ?? fakeSha(`tag:${name}`) };
      tags.push(t);
      return t;
    },
  };
}

/** GitHub's entity tag of a JSON body (weak, as api.github.com sends for listings). */
export function etagOf(body: unknown): string {
  return `W/"${createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex')
    .slice(0, 40)}"`;
}

/**
 * A conditional GET (RFC 9110): a 200 answer gets its ETag; when `ifNoneMatch` names it the
 * answer becomes 304 Not Modified without a body (GitHub answers 304 to any such GET, and it
 * does not count against the rate limit).
 */
export function conditional(answer: Answer, method: string, ifNoneMatch: string | undefined): Answer {
  if (method !== 'GET' || answer.status !== 200) return answer;
  const etag = etagOf(answer.body);
  const headers: Record<string, string> = { ...answer.headers, etag };
  const given = (ifNoneMatch ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (ifNoneMatch !== undefined && (given.includes('*') || given.includes(etag.replace(/^W\//, '')))) {
    delete headers['link'];
    return { status: 304, headers };
  }
  return { ...answer, headers };
}
