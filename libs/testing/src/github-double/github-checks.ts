import type { DescribedOperation, JsonSchema } from './openapi-description';
import { deepMerge } from './github-pulls';
import { DOCS, type Answer, type RouteHandler } from './github-repo-state';
import { sampleFor } from './schema-sample';

/** A commit status state (repos/create-commit-status). */
export type DoubleStatusState = 'success' | 'pending' | 'failure' | 'error';

/** A check run as a test sets it (GitHub Actions jobs are check runs). */
export interface CheckRunSeed {
  name: string;
  /** Default `completed`. */
  status?: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  /** Required when completed (default `success`); null while not completed. */
  conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required' | null;
  /** The GitHub App that reports it (default 15368, GitHub Actions). */
  appId?: number;
}

/** Branch protection's required status checks (repos/get-status-checks-protection). */
export interface RequiredChecksSeed {
  /** Required contexts by name (the legacy list). */
  contexts?: string[];
  /** Required checks, optionally bound to an app (`appId` null or -1: any app). */
  checks?: Array<{ context: string; appId?: number | null }>;
  strict?: boolean;
}

/** GitHub Actions' app id on github.com. */
export const ACTIONS_APP_ID = 15368;

/**
 * Commit statuses, check runs and branch protection of the GitHub double, and the handlers of
 * repos/get-combined-status-for-ref, checks/list-for-ref and repos/get-status-checks-protection
 * (paginated with `per_page` + `page` and a Link header, as GitHub does).
 */
export function createGithubChecks(o: { owner: string; repo: string; baseUrl: () => string }) {
  const { owner, repo, baseUrl } = o;
  /** sha → context → state (the latest status of each context). */
  const statuses = new Map<string, Map<string, DoubleStatusState>>();
  /** sha → check runs (the latest run of each name, in the order they were set). */
  const checkRuns = new Map<string, Array<Required<CheckRunSeed> & { id: number }>>();
  /** branch → its required checks (absent: the branch is not protected). */
  const protection = new Map<string, RequiredChecksSeed>();
  const samples = new Map<string, unknown>();
  let nextId = 1;

  const sample = (key: string, schema: JsonSchema | undefined): unknown => {
    if (!samples.has(key)) samples.set(key, sampleFor(schema));
    return structuredClone(samples.get(key));
  };
  const schemaOf = (op: DescribedOperation): JsonSchema | undefined =>
    op.operation.responses['200']?.content?.['application/json']?.schema;
  const itemsOf = (op: DescribedOperation, field: string): JsonSchema | undefined =>
    (schemaOf(op)?.['properties'] as Record<string, JsonSchema> | undefined)?.[field]?.['items'] as
      JsonSchema | undefined;
  const api = (path: string) => `https://api.github.example.invalid/repos/${owner}/${repo}/${path}`;

  /** One page of `all`, and the Link header when more pages follow. */
  const paged = <T>(q: URLSearchParams, all: T[], path: string): { items: T[]; headers: Record<string, string> } => {
    const perPage = Math.max(1, Math.min(100, Number(q.get('per_page') ?? 30)));
    const n = Math.max(1, Number(q.get('page') ?? 1));
    const headers: Record<string, string> = {};
    const last = Math.max(1, Math.ceil(all.length / perPage));
    if (n < last) {
      const at = (p: number) => `${baseUrl()}/repos/${owner}/${repo}/${path}?per_page=${perPage}&page=${p}`;
      headers['link'] = `<${at(n + 1)}>; rel="next", <${at(last)}>; rel="last"`;
    }
    return { items: all.slice((n - 1) * perPage, n * perPage), headers };
  };

  const combinedState = (list: DoubleStatusState[]): DoubleStatusState => {
    if (list.some((s) => s === 'failure' || s === 'error')) return 'failure';
    if (list.length === 0 || list.some((s) => s === 'pending')) return 'pending';
    return 'success';
  };

  const handlers: Record<string, RouteHandler> = {
    'repos/get-combined-status-for-ref': (op, q) => {
      const ref = op.pathParams['ref'] ?? '';
      const all = [...(statuses.get(ref) ?? new Map<string, DoubleStatusState>()).entries()];
      const { items, headers } = paged(q, all, `commits/${ref}/status`);
      const itemSchema = itemsOf(op, 'statuses');
      return {
        status: 200,
        headers,
        body: deepMerge(sample(`${op.operationId} 200`, schemaOf(op)), {
          state: combinedState(all.map(([, s]) => s)),
          sha: ref,
          total_count: all.length,
          statuses: items.map(([context, state], i) =>
            deepMerge(sample(`${op.operationId} status`, itemSchema), {
              state,
              context,
              id: i + 1,
              node_id: `SC_${i + 1}`,
            }),
          ),
          commit_url: api(`commits/${ref}`),
          url: api(`commits/${ref}/status`),
        }),
      };
    },
    'checks/list-for-ref': (op, q) => {
      const ref = op.pathParams['ref'] ?? '';
      let all = checkRuns.get(ref) ?? [];
      const name = q.get('check_name');
      if (name !== null) all = all.filter((r) => r.name === name);
      const status = q.get('status');
      if (status !== null) all = all.filter((r) => r.status === status);
      const appId = q.get('app_id');
      if (appId !== null) all = all.filter((r) => String(r.appId) === appId);
      const { items, headers } = paged(q, all, `commits/${ref}/check-runs`);
      const itemSchema = itemsOf(op, 'check_runs');
      return {
        status: 200,
        headers,
        body: {
          total_count: all.length,
          check_runs: items.map((r) =>
            deepMerge(sample(`${op.operationId} run`, itemSchema), {
              id: r.id,
              node_id: `CR_${r.id}`,
              head_sha: ref,
              name: r.name,
              status: r.status,
              conclusion: r.conclusion,
              url: api(`check-runs/${r.id}`),
              app: { id: r.appId, slug: r.appId === ACTIONS_APP_ID ? 'github-actions' : `app-${r.appId}` },
            }),
          ),
        },
      };
    },
    'repos/get-status-checks-protection': (op) => {
      const branch = op.pathParams['branch'] ?? '';
      const p = protection.get(branch);
      if (!p)
        return { status: 404, body: { message: 'Branch not protected', documentation_url: DOCS } } satisfies Answer;
      const path = `branches/${branch}/protection/required_status_checks`;
      return {
        status: 200,
        body: {
          url: api(path),
          contexts_url: api(`${path}/contexts`),
          strict: p.strict ?? false,
          contexts: [...(p.contexts ?? []), ...(p.checks ?? []).map((c) => c.context)],
          checks: [
            ...(p.contexts ?? []).map((context) => ({ context, app_id: null })),
            ...(p.checks ?? []).map((c) => ({ context: c.context, app_id: c.appId ?? null })),
          ],
        },
      };
    },
  };

  return {
    handlers,
    setCommitStatus(sha: string, state: DoubleStatusState, context = 'ci/double'): void {
      const m = statuses.get(sha) ?? new Map<string, DoubleStatusState>();
      m.set(context, state);
      statuses.set(sha, m);
    },
    setCheckRun(sha: string, seed: CheckRunSeed): void {
      const status = seed.status ?? 'completed';
      const run = {
        name: seed.name,
        status,
        conclusion: seed.conclusion !== undefined ? seed.conclusion : status === 'completed' ? 'success' : null,
        appId: seed.appId ?? ACTIONS_APP_ID,
        id: nextId++,
      } as const;
      const list = (checkRuns.get(sha) ?? []).filter((r) => !(r.name === run.name && r.appId === run.appId));
      checkRuns.set(sha, [...list, run]);
    },
    setRequiredChecks(branch: string, required: RequiredChecksSeed | undefined): void {
      if (required) protection.set(branch, required);
      else protection.delete(branch);
    },
  };
}
