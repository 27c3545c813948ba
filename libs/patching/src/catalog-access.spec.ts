import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CONFIG, type Env } from '@patch-factory/config';
import { TerminalError } from '@patch-factory/contracts';
import { ForgeErrorCode } from '@patch-factory/forge';
import { createCatalogOrigin, isolatedGitEnv, type CatalogOrigin } from '@patch-factory/testing';
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
    ({ PF_CATALOG_REMOTE: remote, PF_CATALOG_WORKDIR: join(origin.root, 'work'), PF_GIT_AUTHOR_NAME: 'patch-factory', PF_GIT_AUTHOR_EMAIL: 'pf@example.invalid', PF_FORGE: forge }) as Partial<Env>;

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
    expect((error as Error).message).toMatch(new RegExp(`^PF_CATALOG_REMOTE: the catalog remote ${checkout} is a repository with a working tree and its branch main checked out`));
    expect((error as Error).message).toContain('git clone --bare');
  });

  it('boots with a bare PF_CATALOG_REMOTE, and in GitHub mode (GitHub merges, not a push)', async () => {
    await boot(config(origin.dir));
    await boot(config(checkout, 'github'));
  });
});
