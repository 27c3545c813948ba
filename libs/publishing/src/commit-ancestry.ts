import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '@patch-factory/config';

const SHA = /^[0-9a-f]{40}$/;
const GIT_TIMEOUT_MS = 15_000;

/** Whether commit `ancestor` is an ancestor of (or is) commit `of`; undefined when git cannot tell (a commit it does not have). */
export type CommitAncestry = (ancestor: string, of: string) => Promise<boolean | undefined>;

/**
 * Ancestry from a local git repository (`GIT_DIR`): `git merge-base --is-ancestor`. Only full
 * hex commit ids are asked about (anything else: undefined, never passed to git).
 */
export function gitCommitAncestry(gitDir: string): CommitAncestry {
  return (ancestor, of) => {
    if (!SHA.test(ancestor) || !SHA.test(of)) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      execFile('git', ['merge-base', '--is-ancestor', ancestor, of], { env: { ...process.env, GIT_DIR: gitDir }, timeout: GIT_TIMEOUT_MS }, (error) => {
        if (!error) return resolve(true);
        // Exit 1: not an ancestor; anything else (128: unknown commit, no repository): cannot tell.
        resolve((error as { code?: unknown }).code === 1 ? false : undefined);
      });
    });
  };
}

/**
 * The catalog clone of this process (CatalogAccess keeps it at PF_CATALOG_WORKDIR, else in the
 * temporary directory by process id), which holds every commit the promote stage read.
 */
export function catalogGitDir(config: Pick<Env, 'PF_CATALOG_WORKDIR'>): string {
  return config.PF_CATALOG_WORKDIR ?? join(tmpdir(), `patch-factory-catalog-${process.pid}`);
}
