import { isRecord } from '@patch-factory/contracts';
import type { DescribedOperation, JsonSchema } from './openapi-description';
import { deepMerge, fakeSha, fullPullFields, labelObject, pullFields, type DoublePull } from './github-pulls';
import { sampleFor } from './schema-sample';

/** What a route handler answers. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const DOCS = 'https://docs.github.com/rest';
export const notFound = (): Answer => ({ status: 404, body: { message: 'Not Found', documentation_url: DOCS } });

/** A string field of a JSON body, '' when it is anything else. */
export function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** What someone else's pull request looks like when a test adds it. */
export interface PullSeed {
  head: string;
  base?: string;
  title?: string;
  body?: string;
  labels?: string[];
  headRepo?: string;
  state?: 'open' | 'closed';
}

export type RouteHandler = (op: DescribedOperation, query: URLSearchParams, body: Record<string, unknown>) => Answer;

/**
 * The in-memory repository behind the GitHub double: pull requests, labels, and one handler
 * per implemented operation (by operationId). Responses start from a minimal sample of the documented schema and carry the modelled fields; the double validates them.
 */
export function createGithubRepoState(o: {
  owner: string;
  repo: string;
  now: () => number;
  resolveBranch: (branch: string) => string | undefined;
}) {
  const { owner, repo, now, resolveBranch } = o;
  const pulls: DoublePull[] = [];
  const samples = new Map<string, unknown>();

  const iso = () => new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const sample = (key: string, schema: JsonSchema | undefined): unknown => {
    if (!samples.has(key)) samples.set(key, sampleFor(schema));
    return structuredClone(samples.get(key));
  };
  const schemaOf = (op: DescribedOperation, status: string): JsonSchema | undefined =>
    op.operation.responses[status]?.content?.['application/json']?.schema;

  const createPull = (p: PullSeed): DoublePull => {
    const t = iso();
    const pull: DoublePull = {
      number: pulls.length + 1,
      title: p.title ?? `Update ${p.head}`,
      body: p.body ?? null,
      state: p.state ?? 'open',
      head: p.head,
      headSha: resolveBranch(p.head) ?? fakeSha(`missing:${p.head}`),
      headRepo: p.headRepo ?? `${owner}/${repo}`,
      base: p.base ?? 'main',
      labels: [...new Set(p.labels ?? [])],
      merged: false,
      mergedAt: null,
      mergeCommitSha: null,
      mergeMethod: null,
      mergeable: true,
      createdAt: t,
      updatedAt: t,
      closedAt: p.state === 'closed' ? t : null,
    };
    pulls.push(pull);
    return pull;
  };

  /** An open pull request follows its branch, as on GitHub. */
  const refresh = (p: DoublePull): DoublePull => {
    if (p.state === 'open' && p.headRepo === `${owner}/${repo}`) p.headSha = resolveBranch(p.head) ?? p.headSha;
    return p;
  };
  const baseSha = (p: DoublePull) => resolveBranch(p.base) ?? fakeSha(`base:${p.base}`);
  const renderPull = (op: DescribedOperation, status: string, p: DoublePull, full: boolean): unknown =>
    deepMerge(sample(`${op.operationId} ${status}`, schemaOf(op, status)), {
      ...pullFields(refresh(p), owner, repo, baseSha(p)),
      ...(full ? fullPullFields(p) : {}),
    });
  const findPull = (n: string | undefined) => pulls.find((p) => String(p.number) === n);
  const validation = (message: string, field?: string): Answer => ({
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource: 'PullRequest', ...(field ? { field } : {}), code: 'custom', message }],
      documentation_url: DOCS,
    },
  });
  const labelsAnswer = (p: DoublePull): Answer => ({
    status: 200,
    body: p.labels.map((l, i) => labelObject(l, i, owner, repo)),
  });

  const handlers: Record<string, RouteHandler> = {
    'pulls/list': (op, q) => {
      const state = q.get('state') ?? 'open';
      const sort = q.get('sort') ?? 'created';
      const direction = q.get('direction') ?? (sort === 'created' ? 'desc' : 'asc');
      const perPage = Math.min(100, Number(q.get('per_page') ?? 30));
      const page = Math.max(1, Number(q.get('page') ?? 1));
      // Filtered first, refreshed (the head's commit asked of the test's git) only for the page answered.
      let list = pulls.filter((p) => state === 'all' || p.state === state);
      const head = q.get('head');
      if (head !== null) list = list.filter((p) => `${p.headRepo.split('/')[0]}:${p.head}` === head);
      const base = q.get('base');
      if (base !== null) list = list.filter((p) => p.base === base);
      list.sort((a, b) =>
        sort === 'updated' ? a.updatedAt.localeCompare(b.updatedAt) || a.number - b.number : a.number - b.number,
      );
      if (direction === 'desc') list.reverse();
      const items = list.slice((page - 1) * perPage, page * perPage).map(refresh);
      const schema = schemaOf(op, '200')?.['items'] as JsonSchema | undefined;
      const headers: Record<string, string> = {};
      if (page * perPage < list.length) {
        headers['link'] =
          `<http://127.0.0.1/repos/${owner}/${repo}/pulls?page=${page + 1}&per_page=${perPage}>; rel="next"`;
      }
      return {
        status: 200,
        headers,
        body: items.map((p) =>
          deepMerge(sample(`${op.operationId} item`, schema), pullFields(p, owner, repo, baseSha(p))),
        ),
      };
    },
    'pulls/create': (op, _q, b) => {
      const head = text(b['head']);
      const base = text(b['base']);
      if (resolveBranch(head) === undefined) return validation(`head ${head} does not exist`, 'head');
      if (resolveBranch(base) === undefined) return validation(`base ${base} does not exist`, 'base');
      if (
        pulls.some((p) => p.state === 'open' && p.head === head && p.base === base && p.headRepo === `${owner}/${repo}`)
      ) {
        return validation(`A pull request already exists for ${owner}:${head}.`);
      }
      const pull = createPull({
        head,
        base,
        title: text(b['title']),
        ...(typeof b['body'] === 'string' ? { body: b['body'] } : {}),
      });
      return {
        status: 201,
        headers: { location: `https://api.github.example.invalid/repos/${owner}/${repo}/pulls/${pull.number}` },
        body: renderPull(op, '201', pull, true),
      };
    },
    'pulls/get': (op) => {
      const p = findPull(op.pathParams['pull_number']);
      return p ? { status: 200, body: renderPull(op, '200', p, true) } : notFound();
    },
    'pulls/update': (op, _q, b) => {
      const p = findPull(op.pathParams['pull_number']);
      if (!p) return notFound();
      if (b['state'] === 'open' && p.state === 'closed') {
        if (p.merged) return validation('cannot reopen a merged pull request');
        if (pulls.some((o) => o !== p && o.state === 'open' && o.head === p.head && o.base === p.base)) {
          return validation(`A pull request already exists for ${owner}:${p.head}.`);
        }
      }
      if (typeof b['title'] === 'string') p.title = b['title'];
      if (typeof b['body'] === 'string') p.body = b['body'];
      if (typeof b['base'] === 'string') p.base = b['base'];
      if (b['state'] === 'closed' && p.state === 'open') {
        p.state = 'closed';
        p.closedAt = iso();
      } else if (b['state'] === 'open' && p.state === 'closed') {
        p.state = 'open';
        p.closedAt = null;
      }
      p.updatedAt = iso();
      return { status: 200, body: renderPull(op, '200', p, true) };
    },
    'pulls/merge': (op, _q, b) => {
      const p = findPull(op.pathParams['pull_number']);
      if (!p) return notFound();
      refresh(p);
      if (p.state !== 'open' || !p.mergeable)
        return { status: 405, body: { message: 'Pull Request is not mergeable', documentation_url: DOCS } };
      if (typeof b['sha'] === 'string' && b['sha'] !== p.headSha) {
        return {
          status: 409,
          body: { message: 'Head branch was modified. Review and try the merge again.', documentation_url: DOCS },
        };
      }
      const t = iso();
      Object.assign(p, {
        merged: true,
        state: 'closed',
        mergedAt: t,
        closedAt: t,
        updatedAt: t,
        mergeCommitSha: fakeSha(`merge:${p.number}:${p.headSha}`),
        mergeMethod: typeof b['merge_method'] === 'string' ? b['merge_method'] : 'merge',
      });
      return {
        status: 200,
        body: { sha: p.mergeCommitSha, merged: true, message: 'Pull Request successfully merged' },
      };
    },
    'issues/add-labels': (op, _q, b) => {
      const p = findPull(op.pathParams['issue_number']);
      if (!p) return notFound();
      const given = Array.isArray(b['labels']) ? (b['labels'] as unknown[]) : [];
      for (const l of given) {
        const name = typeof l === 'string' ? l : isRecord(l) ? text(l['name']) : '';
        if (name && !p.labels.includes(name)) p.labels.push(name);
      }
      p.updatedAt = iso();
      return labelsAnswer(p);
    },
    'issues/remove-label': (op) => {
      const p = findPull(op.pathParams['issue_number']);
      const name = op.pathParams['name'] ?? '';
      if (!p || !p.labels.includes(name))
        return { status: 404, body: { message: 'Label does not exist', documentation_url: DOCS } };
      p.labels = p.labels.filter((l) => l !== name);
      p.updatedAt = iso();
      return labelsAnswer(p);
    },
  };
  return { pulls, createPull, handlers };
}
