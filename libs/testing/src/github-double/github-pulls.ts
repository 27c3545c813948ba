import { isRecord } from '@patch-factory/contracts';
import { createHash } from 'node:crypto';

/** A pull request as the double keeps it. */
export interface DoublePull {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  /** The head branch name. */
  head: string;
  headSha: string;
  /** `owner/repo` the head branch lives in (a fork differs). */
  headRepo: string;
  base: string;
  labels: string[];
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergeMethod: string | null;
  /** False: merging answers 405 (branch protection, conflicts). */
  mergeable: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/** A fake but stable commit id for a name. */
export function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** The fields of a pull request response the double models (deep-merged over a schema sample). */
export function pullFields(p: DoublePull, owner: string, repo: string, baseSha: string): Record<string, unknown> {
  const api = `https://api.github.example.invalid/repos/${owner}/${repo}`;
  const [headOwner = owner, headName = repo] = p.headRepo.split('/');
  const repoObject = (o: string, n: string) => ({ full_name: `${o}/${n}`, name: n, owner: { login: o } });
  return {
    url: `${api}/pulls/${p.number}`,
    id: 1000 + p.number,
    node_id: `PR_${p.number}`,
    html_url: `https://github.example.invalid/${owner}/${repo}/pull/${p.number}`,
    issue_url: `${api}/issues/${p.number}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    body: p.body,
    labels: p.labels.map((name, i) => labelObject(name, i, owner, repo)),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    closed_at: p.closedAt,
    merged_at: p.mergedAt,
    merge_commit_sha: p.mergeCommitSha,
    draft: false,
    user: { login: 'patch-factory[bot]' },
    head: {
      label: `${headOwner}:${p.head}`,
      ref: p.head,
      sha: p.headSha,
      repo: repoObject(headOwner, headName),
      user: { login: headOwner },
    },
    base: {
      label: `${owner}:${p.base}`,
      ref: p.base,
      sha: baseSha,
      repo: repoObject(owner, repo),
      user: { login: owner },
    },
  };
}

/** Fields only the full pull request object has. */
export function fullPullFields(p: DoublePull): Record<string, unknown> {
  return {
    merged: p.merged,
    mergeable: p.state === 'open' ? p.mergeable : null,
    mergeable_state: p.mergeable ? 'clean' : 'blocked',
    maintainer_can_modify: false,
  };
}

/** A label object as GitHub returns it. */
export function labelObject(name: string, i: number, owner: string, repo: string): Record<string, unknown> {
  return {
    id: 5000 + i,
    node_id: `LA_${fakeSha(name).slice(0, 12)}`,
    url: `https://api.github.example.invalid/repos/${owner}/${repo}/labels/${encodeURIComponent(name)}`,
    name,
    // A string: pulls/list documents labels[].description as a non-null string.
    description: '',
    color: 'ededed',
    default: false,
  };
}

/** Deep-merge plain objects (`over` wins; arrays and scalars replace). */
export function deepMerge(into: unknown, over: unknown): unknown {
  if (!isRecord(into) || !isRecord(over)) return over;
  const out: Record<string, unknown> = { ...into };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}
