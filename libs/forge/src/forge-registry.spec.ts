import { TerminalError } from '@patch-factory/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BranchForge } from './branch/branch.adapter';
import { ForgeErrorCode } from './forge-errors';
import { createForge, FORGE_PROVIDERS } from './forge-registry';
import { CatalogWorkspace } from './git/catalog-workspace';
import { GithubForge } from './github/github.adapter';

describe('forge registry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pf-registry-'));
  const workspace = new CatalogWorkspace({
    remoteUrl: '/nonexistent/origin.git',
    workDir: join(dir, 'work'),
    author: { name: 'PF', email: 'pf@example.invalid' },
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists one entry per provider folder', () => {
    expect(Object.keys(FORGE_PROVIDERS).sort()).toEqual(['branch', 'github']);
  });

  it('builds the configured provider', () => {
    expect(createForge({ provider: 'branch' }, { workspace })).toBeInstanceOf(BranchForge);
    expect(
      createForge({ provider: 'github', owner: 'octo', repo: 'catalog', token: 't0k3n' }, { workspace }),
    ).toBeInstanceOf(GithubForge);
  });

  it('refuses unknown providers and bad config, naming the field but never the token', () => {
    expect(() => createForge({ provider: 'gitlab' }, { workspace })).toThrow(
      expect.objectContaining({ code: ForgeErrorCode.unknownProvider }) as Error,
    );
    expect(() => createForge({ provider: '__proto__' }, { workspace })).toThrow(TerminalError);
    const secret = 'ghp_with space';
    let message = '';
    try {
      createForge({ provider: 'github', owner: 'octo', repo: 'catalog', token: secret }, { workspace });
    } catch (error) {
      expect(error).toMatchObject({ code: ForgeErrorCode.invalidConfig });
      message = (error as Error).message;
    }
    expect(message).toContain('token');
    expect(message).not.toContain(secret);
    expect(() =>
      createForge(
        { provider: 'github', owner: 'octo', repo: 'catalog', token: 't', baseUrl: 'http://example.com' },
        { workspace },
      ),
    ).toThrow(/baseUrl/);
    expect(() =>
      createForge(
        { provider: 'github', owner: 'octo', repo: 'catalog', token: 't', writesPerMinute: 0 },
        { workspace },
      ),
    ).toThrow(/writesPerMinute/);
    expect(() =>
      createForge(
        { provider: 'branch', autoMergePolicy: { high: { autoMerge: true, method: 'merge' } } },
        { workspace },
      ),
    ).toThrow(/autoMergePolicy/);
  });
});
