import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CONFIG, type Env } from '@patch-factory/config';
import { TerminalError } from '@patch-factory/contracts';
import { ForgeErrorCode } from '@patch-factory/forge';
import {
  createCatalogOrigin,
  isolatedGitEnv,
  startGithubDouble,
  type CatalogOrigin,
  type GithubDouble,
} from '@patch-factory/testing';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CatalogAccess } from './catalog-access';

/** Boot a Nest context holding CatalogAccess, as a service does (its bootstrap hooks run). */
async function boot(config: Partial<Env>): Promise<void> {
  @Module({ providers: [CatalogAccess, { provide: CONFIG, useValue: config }] })
  class BootModule {}
  const app = await NestFactory.createApplicationContext(BootModule, { logger: false, abortOnError: false });
  await app.close();
}

describe('CatalogAccess at boot', () => {
  let origin: CatalogOrigin;
  let checkout: string;
  const config = (remote: string, forge: 'branch' | 'github' = 'branch') =>
    ({
      PF_CATALOG_REMOTE: remote,
      PF_CATALOG_WORKDIR: join(origin.root, 'work'),
      PF_GIT_AUTHOR_NAME: 'patch-factory',
      PF_GIT_AUTHOR_EMAIL: 'pf@example.invalid',
      PF_FORGE: forge,
    }) as Partial<Env>;

  beforeEach(() => {
    origin = createCatalogOrigin({ 'image/a/debian-13/1.yaml': 'vars: {}\n' });
    checkout = join(origin.root, 'checkout');
    execFileSync('git', ['clone', '--quiet', origin.dir, checkout], { env: isolatedGitEnv() });
  });
  afterEach(() => origin.cleanup());

  it('refuses a PF_CATALOG_REMOTE with its default branch checked out in branch mode, saying what to do', async () => {
    const error = await boot(config(checkout)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ code: ForgeErrorCode.remoteNotBare });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^PF_CATALOG_REMOTE: the catalog remote ${checkout} is a repository with a working tree and its branch main checked out`,
      ),
    );
    expect((error as Error).message).toContain('git clone --bare');
  });

  it('boots with a bare PF_CATALOG_REMOTE, and in GitHub mode (GitHub merges, not a push)', async () => {
    await boot(config(origin.dir));
    await boot(config(checkout, 'github'));
  });
});

describe('CatalogAccess in GitHub mode: PF_GITHUB_ALLOW_UNCHECKED reaches the forge', () => {
  const TOKEN = 'ghp_catalog_access_spec_token';
  const FILE = 'image/a/debian-13/1.yaml';
  let origin: CatalogOrigin;
  let double: GithubDouble;

  beforeEach(async () => {
    origin = createCatalogOrigin({ [FILE]: 'vars:\n  VERSION: 1.0.0\n' });
    double = await startGithubDouble({
      owner: 'octo',
      repo: 'catalog',
      token: TOKEN,
      resolveBranch: (b) => origin.head(b),
    });
  });
  afterEach(async () => {
    await double.close();
    origin.cleanup();
  });

  /** Push a branch and open its pull request through CatalogAccess, then ask it to merge a critical change. */
  async function reviewAndMerge(allowUnchecked: boolean): Promise<string> {
    const access = new CatalogAccess({
      PF_CATALOG_REMOTE: origin.dir,
      PF_CATALOG_WORKDIR: join(origin.root, `work-${String(allowUnchecked)}`),
      PF_GIT_AUTHOR_NAME: 'patch-factory',
      PF_GIT_AUTHOR_EMAIL: 'pf@example.invalid',
      PF_FORGE: 'github',
      PF_GITHUB_OWNER: 'octo',
      PF_GITHUB_REPO: 'catalog',
      PF_GITHUB_TOKEN: TOKEN,
      PF_GITHUB_API_URL: double.url,
      PF_GITHUB_WRITES_PER_MINUTE: 80,
      PF_GITHUB_ALLOW_UNCHECKED: allowUnchecked,
    } as Env);
    const stream = { image: 'a', os: 'debian-13', stream: '1' };
    const pushed = await access.workspace().commitPatch({
      runId: 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9',
      stream,
      updates: [{ ref: 'pkg:deb/debian/a', file: FILE, vars: [{ name: 'VERSION', old: '1.0.0', new: '1.0.1' }] }],
      files: [{ path: FILE, content: 'vars:\n  VERSION: 1.0.1\n' }],
    });
    const forge = access.forge();
    await forge.ensurePullRequest({
      branch: pushed.branch,
      base: pushed.base,
      title: 'a 1.0.1',
      body: 'body',
      labels: [],
      imageStream: stream,
      severity: 'critical',
    });
    const outcome = await forge.mergeWhenGreen({
      branch: pushed.branch,
      severity: 'critical',
      gatesPassed: true,
      ...(pushed.headSha ? { headSha: pushed.headSha } : {}),
    });
    return outcome.status;
  }

  it('leaves a change with no checks at all unmerged by default, and merges it when the operator allows unchecked changes', async () => {
    expect(await reviewAndMerge(false)).toBe('no-checks');
    expect(double.pulls.every((p) => !p.merged)).toBe(true);
    expect(await reviewAndMerge(true)).toBe('merged');
    double.assertNoViolations();
  });
});
