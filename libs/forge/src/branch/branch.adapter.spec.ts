import { createCatalogOrigin, type CatalogOrigin } from '@patch-factory/testing';
import { join } from 'node:path';
import type { Forge } from '../forge';
import { ForgeErrorCode } from '../forge-errors';
import { createForge } from '../forge-registry';
import { CatalogWorkspace } from '../git/catalog-workspace';
import type { PatchChange } from '../patch-change';

const RUN = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';
const BOT = { name: 'Patch Factory', email: 'factory@example.invalid' };
const STREAM = { image: 'nginx', os: 'debian-13', stream: '1.27' };
const FILE = 'image/nginx/debian-13/1.27.yaml';
const BRANCH = 'pf/nginx/debian-13/1.27';

function change(version: string, stream = STREAM): PatchChange {
  const file = `image/${stream.image}/${stream.os}/${stream.stream}.yaml`;
  return {
    runId: RUN,
    stream,
    updates: [{ ref: 'pkg:deb/debian/nginx', file, vars: [{ name: 'VERSION', old: '1.0.0', new: version }] }],
    files: [{ path: file, content: `vars:\n  VERSION: ${version}\n` }],
  };
}

describe('branch forge (no pull requests: merge into the default branch)', () => {
  let origin: CatalogOrigin;
  let workspace: CatalogWorkspace;
  let forge: Forge;

  beforeEach(() => {
    origin = createCatalogOrigin({ [FILE]: 'vars:\n  VERSION: 1.0.0\n', 'README.md': 'catalog\n' });
    workspace = new CatalogWorkspace({ remoteUrl: origin.dir, workDir: join(origin.root, 'work'), author: BOT });
    forge = createForge({ provider: 'branch' }, { workspace });
  });
  afterEach(() => origin.cleanup());

  it('merges a green high-severity branch by fast-forward, once', async () => {
    const pushed = await workspace.commitPatch(change('1.0.1'));
    expect(
      await forge.ensurePullRequest({
        branch: BRANCH,
        base: 'main',
        title: 't',
        body: 'b',
        labels: [],
        imageStream: STREAM,
        severity: 'high',
      }),
    ).toMatchObject({
      provider: 'branch',
      state: 'open',
      headSha: pushed.headSha,
    });
    expect(await forge.isMerged(BRANCH)).toBe(false);
    const outcome = await forge.mergeWhenGreen({
      branch: BRANCH,
      severity: 'high',
      gatesPassed: true,
      headSha: pushed.headSha,
    });
    expect(outcome).toMatchObject({ status: 'merged', detail: 'fast-forward', sha: pushed.headSha });
    expect(origin.head('main')).toBe(pushed.headSha);
    expect(origin.show('main', FILE)).toBe('vars:\n  VERSION: 1.0.1\n');
    expect(await forge.isMerged(BRANCH)).toBe(true);
    const refs = origin.refs();
    expect(await forge.mergeWhenGreen({ branch: BRANCH, severity: 'high', gatesPassed: true })).toEqual({
      status: 'already-merged',
    });
    expect(origin.refs()).toEqual(refs);
    // A re-run of the patch now finds nothing to do.
    expect((await workspace.commitPatch(change('1.0.1'))).status).toBe('no-change');
  });

  it('makes a merge commit when the default branch moved on', async () => {
    const pushed = await workspace.commitPatch(change('1.0.1'));
    const moved = origin.commit('main', { 'README.md': 'catalog v2\n' });
    const outcome = await forge.mergeWhenGreen({ branch: BRANCH, severity: 'critical', gatesPassed: true });
    expect(outcome).toMatchObject({ status: 'merged', detail: 'merge-commit' });
    const [merge] = origin.log('main');
    expect(merge?.parents).toEqual([moved, pushed.headSha]);
    expect(merge?.subject).toBe(`Merge branch '${BRANCH}' into main`);
    expect([merge?.authorEmail, merge?.committerEmail]).toEqual([BOT.email, BOT.email]);
    expect(origin.show('main', FILE)).toContain('1.0.1');
    expect(origin.show('main', 'README.md')).toBe('catalog v2\n');
  });

  it('does not merge when the gates failed, the policy wants a person, the head moved, or it conflicts', async () => {
    const pushed = await workspace.commitPatch(change('1.0.1'));
    const main = origin.head('main');
    expect(await forge.mergeWhenGreen({ branch: BRANCH, severity: 'high', gatesPassed: false })).toMatchObject({
      status: 'gates-failed',
    });
    for (const severity of ['medium', 'low', 'none'] as const) {
      expect(await forge.mergeWhenGreen({ branch: BRANCH, severity, gatesPassed: true })).toMatchObject({
        status: 'manual',
      });
    }
    expect(
      await forge.mergeWhenGreen({ branch: BRANCH, severity: 'high', gatesPassed: true, headSha: 'b'.repeat(40) }),
    ).toMatchObject({ status: 'head-moved' });
    expect(origin.head('main')).toBe(main);
    origin.commit('main', { [FILE]: 'vars:\n  VERSION: 9.9.9\n' });
    const conflicted = origin.head('main');
    expect(
      await forge.mergeWhenGreen({ branch: BRANCH, severity: 'high', gatesPassed: true, headSha: pushed.headSha }),
    ).toMatchObject({ status: 'blocked' });
    expect(origin.head('main')).toBe(conflicted);
    expect(await forge.isMerged(BRANCH)).toBe(false);
    expect(
      await forge.mergeWhenGreen({ branch: 'pf/nothing/debian-13/1', severity: 'high', gatesPassed: true }),
    ).toEqual({ status: 'no-change-request' });
  });

  it('a medium change merges when the configured policy says so', async () => {
    const policy = {
      critical: { autoMerge: true, method: 'merge' as const },
      high: { autoMerge: true, method: 'merge' as const },
      medium: { autoMerge: true, method: 'merge' as const },
      low: { autoMerge: false, method: 'merge' as const },
      none: { autoMerge: false, method: 'merge' as const },
    };
    const f = createForge({ provider: 'branch', autoMergePolicy: policy }, { workspace });
    await workspace.commitPatch(change('1.0.1'));
    expect(await f.mergeWhenGreen({ branch: BRANCH, severity: 'medium', gatesPassed: true })).toMatchObject({
      status: 'merged',
    });
  });

  it('deletes superseded branches of the same stream only, and obsolete ones, once', async () => {
    await workspace.commitPatch(change('1.0.1'), { branch: 'pf/legacy/nginx-1.27' });
    await workspace.commitPatch(change('1.0.2'));
    const other = await workspace.commitPatch(change('2.0.0', { image: 'nginx', os: 'debian-13', stream: '1.26' }));
    origin.commit('feature/mine', { 'README.md': 'x\n' }, { from: 'main' });
    const closed = await forge.closeSuperseded(STREAM, BRANCH);
    expect(closed.map((c) => c.branch)).toEqual(['pf/legacy/nginx-1.27']);
    expect(origin.head('pf/legacy/nginx-1.27')).toBeUndefined();
    expect(origin.head(BRANCH)).toBeDefined();
    expect(origin.head('feature/mine')).toBeDefined();
    expect(await forge.closeSuperseded(STREAM, BRANCH)).toEqual([]);

    expect(await forge.closeObsolete(other.branch, 'the advisory was withdrawn')).toMatchObject({
      state: 'closed',
      branch: other.branch,
    });
    expect(origin.head(other.branch)).toBeUndefined();
    expect(await forge.closeObsolete(other.branch, 'again')).toBeUndefined();
  });

  it('asks for the branch to be pushed before its change request', async () => {
    await expect(
      forge.ensurePullRequest({
        branch: BRANCH,
        base: 'main',
        title: 't',
        body: 'b',
        labels: [],
        imageStream: STREAM,
        severity: 'high',
      }),
    ).rejects.toMatchObject({ code: ForgeErrorCode.branchMissing });
  });
});
