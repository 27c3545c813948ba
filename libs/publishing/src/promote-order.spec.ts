import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogWorkspace } from '@patch-factory/forge';
import { promotionOrder } from './promote-order';

describe('promotionOrder: the definition commit, then the run creation order (a real git repository)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pf-promote-order-'));
  const gitDir = join(dir, 'repo.git');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      env: {
        PATH: process.env['PATH'] ?? '',
        GIT_DIR: gitDir,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.invalid',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.invalid',
      },
      encoding: 'utf8',
    }).trim();
  execFileSync('git', ['init', '--bare', '--quiet', gitDir]);
  const tree = git('hash-object', '-t', 'tree', '-w', '/dev/null');
  const base = git('commit-tree', tree, '-m', 'base');
  const later = git('commit-tree', tree, '-p', base, '-m', 'later');
  const sibling = git('commit-tree', tree, '-p', base, '-m', 'sibling');
  // The workspace over that repository as its clone (ancestry reads the clone, never the remote).
  const workspaceOver = (workDir: string) =>
    new CatalogWorkspace({
      remoteUrl: gitDir,
      workDir,
      author: { name: 'patch-factory', email: 'pf@example.invalid' },
    });
  const workspace = workspaceOver(gitDir);
  const ancestry = (a: string, b: string) => workspace.commitAncestry(a, b);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('asks git: an ancestor, a descendant, unrelated siblings, an unknown commit, and never passes a non-id to git', async () => {
    expect(await ancestry(base, later)).toBe(true);
    expect(await ancestry(later, base)).toBe(false);
    expect(await ancestry(later, sibling)).toBe(false);
    expect(await ancestry('f'.repeat(40), later)).toBeUndefined();
    expect(await ancestry('--output=/tmp/x', later)).toBeUndefined();
    expect(await ancestry(later, later)).toBe(true);
    expect(await workspaceOver(join(dir, 'missing.git')).commitAncestry(base, later)).toBeUndefined();
  });

  it('an image built from an ancestor commit is older, whatever the creation order', async () => {
    const order = await promotionOrder(
      { runId: 'run_B', commit: base, createdAt: 2_000 },
      { runId: 'run_A', commit: later, createdAt: 1_000 },
      ancestry,
    );
    expect(order.newer).toBe(false);
    expect(order.reason).toContain(`${base.slice(0, 12)} is an ancestor of ${later.slice(0, 12)}`);
    expect(
      (
        await promotionOrder(
          { runId: 'run_A', commit: later, createdAt: 1_000 },
          { runId: 'run_B', commit: base, createdAt: 2_000 },
          ancestry,
        )
      ).newer,
    ).toBe(true);
  });

  it('the same commit, sibling commits or commits git does not have: the creation order decides, then the run id', async () => {
    const same = await promotionOrder(
      { runId: 'run_A', commit: later, createdAt: 1_000 },
      { runId: 'run_B', commit: later, createdAt: 2_000 },
      ancestry,
    );
    expect(same).toEqual({
      newer: false,
      reason: expect.stringContaining('from the same definition commit') as string,
    });
    expect(
      (
        await promotionOrder(
          { runId: 'run_B', commit: sibling, createdAt: 2_000 },
          { runId: 'run_A', commit: later, createdAt: 1_000 },
          ancestry,
        )
      ).newer,
    ).toBe(true);
    expect(
      (
        await promotionOrder(
          { runId: 'run_A', commit: sibling, createdAt: 1_000 },
          { runId: 'run_B', commit: later, createdAt: 2_000 },
          ancestry,
        )
      ).newer,
    ).toBe(false);
    expect(
      (
        await promotionOrder(
          { runId: 'run_A', commit: 'e'.repeat(40), createdAt: 1_000 },
          { runId: 'run_B', commit: 'd'.repeat(40), createdAt: 2_000 },
          ancestry,
        )
      ).newer,
    ).toBe(false);
    expect(
      (await promotionOrder({ runId: 'run_B', createdAt: 1_000 }, { runId: 'run_A', createdAt: 1_000 }, ancestry))
        .newer,
    ).toBe(true);
    expect(
      (await promotionOrder({ runId: 'run_A', createdAt: 1_000 }, { runId: 'run_B', createdAt: 1_000 }, ancestry))
        .newer,
    ).toBe(false);
  });

  it('with no record to compare with, the candidate may move the tag', async () => {
    expect((await promotionOrder({ runId: 'run_A', createdAt: 1_000 }, { runId: 'run_B' }, ancestry)).newer).toBe(true);
  });
});
