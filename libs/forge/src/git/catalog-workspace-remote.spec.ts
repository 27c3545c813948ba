import { TerminalError } from '@patch-factory/contracts';
import { createCatalogOrigin, isolatedGitEnv, type CatalogOrigin } from '@patch-factory/testing';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ForgeErrorCode } from '../forge-errors';
import type { PatchChange } from '../patch-change';
import { CatalogWorkspace } from './catalog-workspace';

const BOT = { name: 'Patch Factory', email: 'factory@example.invalid' };
const FILE = 'image/nginx/debian-13/1.27.yaml';
const BRANCH = 'pf/nginx/debian-13/1.27';

function change(version: string): PatchChange {
  return {
    runId: 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9',
    stream: { image: 'nginx', os: 'debian-13', stream: '1.27' },
    updates: [
      { ref: 'pkg:deb/debian/nginx', file: FILE, vars: [{ name: 'NGINX_VERSION', old: '1.27.0', new: version }] },
    ],
    files: [{ path: FILE, content: `vars:\n  NGINX_VERSION: ${version}\n` }],
  };
}

describe('CatalogWorkspace with a catalog remote that has a working tree (a normal, non-bare clone)', () => {
  let origin: CatalogOrigin;
  let checkout: string;
  const git = (args: string[]) =>
    execFileSync('git', ['-C', checkout, ...args], { env: isolatedGitEnv(), encoding: 'utf8' });
  const head = (branch: string) => git(['rev-parse', `refs/heads/${branch}`]).trim();
  const workspace = (opts: { baseBranch?: string } = {}) =>
    new CatalogWorkspace({ remoteUrl: checkout, workDir: join(origin.root, 'work'), author: BOT, ...opts });

  beforeEach(() => {
    origin = createCatalogOrigin({ [FILE]: 'vars:\n  NGINX_VERSION: 1.27.0\n' });
    origin.commit('release', { [FILE]: 'vars:\n  NGINX_VERSION: 1.27.0\n' }, { from: 'main' });
    checkout = join(origin.root, 'person-checkout');
    execFileSync('git', ['clone', '--quiet', '--no-local', origin.dir, checkout], { env: isolatedGitEnv() });
    git(['branch', '--quiet', 'release', 'origin/release']);
  });
  afterEach(() => origin.cleanup());

  it('is refused before the first push, naming the repository, the branch and what to do; reading it still works', async () => {
    const ws = workspace();
    const error = await ws.assertRemoteUsable().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ code: ForgeErrorCode.remoteNotBare });
    const message = (error as Error).message;
    expect(message).toContain(
      `the catalog remote ${checkout} is a repository with a working tree and its branch main checked out`,
    );
    expect(message).toContain(`git clone --bare ${checkout} ${checkout}.git`);
    expect(message).toContain(`git -C ${checkout} config receive.denyCurrentBranch updateInstead`);

    expect(await ws.readFile(FILE)).toBe('vars:\n  NGINX_VERSION: 1.27.0\n');
    const refs = git(['for-each-ref']);
    await expect(ws.commitPatch(change('1.27.1'))).rejects.toMatchObject({
      code: ForgeErrorCode.remoteNotBare,
      retryable: false,
    });
    expect(git(['for-each-ref'])).toBe(refs); // nothing pushed
  });

  it('is accepted when the default branch is another branch than the checked-out one', async () => {
    const ws = workspace({ baseBranch: 'release' });
    await ws.assertRemoteUsable();
    const pushed = await ws.commitPatch(change('1.27.1'));
    expect(pushed).toMatchObject({ status: 'created', base: 'release' });
    expect(await ws.mergeIntoBase(BRANCH)).toMatchObject({ status: 'fast-forward' });
    expect(head('release')).toBe(pushed.headSha);
  });

  it('is accepted when its owner allows updating the checked-out branch (receive.denyCurrentBranch=updateInstead)', async () => {
    git(['config', 'receive.denyCurrentBranch', 'updateInstead']);
    const ws = workspace();
    await ws.assertRemoteUsable();
    const pushed = await ws.commitPatch(change('1.27.1'));
    expect(await ws.mergeIntoBase(BRANCH)).toMatchObject({ status: 'fast-forward' });
    expect(head('main')).toBe(pushed.headSha);
    expect(readFileSync(join(checkout, FILE), 'utf8')).toBe('vars:\n  NGINX_VERSION: 1.27.1\n');
  });

  it('a push to a branch someone checked out there later fails at once with git’s reason, not after retries', async () => {
    const ws = workspace({ baseBranch: 'release' });
    await ws.commitPatch(change('1.27.1'));
    git(['checkout', '--quiet', BRANCH]);
    const error = await ws.commitPatch(change('1.27.2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ code: ForgeErrorCode.remoteNotBare });
    expect((error as Error).message).toContain('refusing to update checked out branch');
    expect((error as Error).message).toContain(`the remote refused the push to ${BRANCH}`);
  });

  it('a bare remote passes the check', async () => {
    await new CatalogWorkspace({
      remoteUrl: origin.dir,
      workDir: join(origin.root, 'w2'),
      author: BOT,
    }).assertRemoteUsable();
    await new CatalogWorkspace({
      remoteUrl: `file://${origin.dir}`,
      workDir: join(origin.root, 'w3'),
      author: BOT,
    }).assertRemoteUsable();
  });
});
