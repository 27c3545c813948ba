import type { DescribedOperation } from './openapi-description';
import { deepMerge } from './github-pulls';
import { DOCS, type Answer, type RouteHandler } from './github-repo-state';
import { sampleFor } from './schema-sample';

/** A branch head the double holds: the commit and its committer date. */
export interface DoubleBranchHead {
  name: string;
  sha: string;
  /** The head commit's committer date (ms). */
  committedAt: number;
}

/**
 * The branches of the double's repository and its default branch, with repos/get (the
 * repository, for its `default_branch`) and repos/get-branch (a branch and its head commit).
 * A branch a test moved (`setHead`) has that head; any other branch is resolved by
 * `resolveBranch` (the double's option), committed when the double started; undefined: 404.
 */
export function createGithubBranches(o: {
  owner: string;
  repo: string;
  now: () => number;
  resolveBranch: (branch: string) => string | undefined;
}) {
  const { owner, repo, resolveBranch } = o;
  const heads = new Map<string, DoubleBranchHead>();
  const startedAt = o.now();
  let defaultBranch = 'main';
  const samples = new Map<string, unknown>();
  const sample = (op: DescribedOperation): unknown => {
    if (!samples.has(op.operationId))
      samples.set(op.operationId, sampleFor(op.operation.responses['200']?.content?.['application/json']?.schema));
    return structuredClone(samples.get(op.operationId));
  };
  const api = (path: string) => `https://api.github.example.invalid/repos/${owner}/${repo}${path}`;
  const html = (path: string) => `https://github.example.invalid/${owner}/${repo}${path}`;
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

  const headOf = (name: string): DoubleBranchHead | undefined => {
    const moved = heads.get(name);
    if (moved) return moved;
    const sha = resolveBranch(name);
    return sha === undefined ? undefined : { name, sha, committedAt: startedAt };
  };

  const handlers: Record<string, RouteHandler> = {
    'repos/get': (op) => ({
      status: 200,
      body: deepMerge(sample(op), {
        id: 1,
        node_id: 'R_double',
        name: repo,
        full_name: `${owner}/${repo}`,
        owner: { login: owner, id: 1, node_id: 'U_double', type: 'Organization' },
        private: false,
        fork: false,
        archived: false,
        disabled: false,
        default_branch: defaultBranch,
        url: api(''),
        html_url: html(''),
      }),
    }),
    'repos/get-branch': (op) => {
      const name = op.pathParams['branch'] ?? '';
      const head = headOf(name);
      if (!head)
        return { status: 404, body: { message: 'Branch not found', documentation_url: DOCS } } satisfies Answer;
      const sha = encodeURIComponent(head.sha);
      const person = { name: 'Upstream Maintainer', email: 'maintainer@example.invalid', date: iso(head.committedAt) };
      return {
        status: 200,
        body: deepMerge(sample(op), {
          name,
          protected: false,
          protection_url: api(`/branches/${encodeURIComponent(name)}/protection`),
          _links: {
            self: api(`/branches/${encodeURIComponent(name)}`),
            html: html(`/tree/${encodeURIComponent(name)}`),
          },
          commit: {
            sha: head.sha,
            node_id: `C_${head.sha.slice(0, 12)}`,
            url: api(`/commits/${sha}`),
            html_url: html(`/commit/${sha}`),
            comments_url: api(`/commits/${sha}/comments`),
            commit: {
              author: person,
              committer: person,
              message: `head of ${name}`,
              url: api(`/git/commits/${sha}`),
              comment_count: 0,
            },
            parents: [],
          },
        }),
      };
    },
  };

  return {
    handlers,
    /** The head of `branch` as the double answers it (moved by a test, or resolved). */
    headOf,
    /** Move `branch` to `sha`, committed at `committedAt` (ms; default: the double's now). */
    setHead(branch: string, sha: string, committedAt = o.now()): DoubleBranchHead {
      const head = { name: branch, sha, committedAt };
      heads.set(branch, head);
      return head;
    },
    setDefaultBranch(branch: string): void {
      defaultBranch = branch;
    },
  };
}
