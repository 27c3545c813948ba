import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { TerminalError } from '@patch-factory/contracts';
import {
  CatalogWorkspace,
  createForge,
  DEFAULT_AUTO_MERGE_POLICY,
  type Forge,
  type Severity,
} from '@patch-factory/forge';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import { CatalogAccessErrorCode } from './catalog-access-errors';

const autoMerge = { autoMerge: true, method: 'merge' } as const;
/** Branch mode merges every change whose gates pass, whatever its severity. */
const BRANCH_MODE_POLICY = { critical: autoMerge, high: autoMerge, medium: autoMerge, low: autoMerge, none: autoMerge };

/**
 * The definitions repository and its forge, as this process reaches them (PF_CATALOG_*,
 * PF_FORGE, PF_GITHUB_*), made on first use. A stage that needs them while PF_CATALOG_REMOTE
 * is unset fails loudly with `catalog-not-configured`. In branch mode a remote the factory
 * could never merge into (a working tree with the default branch checked out) stops the
 * service at boot with a message naming PF_CATALOG_REMOTE.
 */
@Injectable()
export class CatalogAccess implements OnApplicationBootstrap {
  private ws: CatalogWorkspace | undefined;
  private fg: Forge | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: Env,
    @Optional() @Inject(LOGGER) private readonly logger?: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.PF_CATALOG_REMOTE || this.config.PF_FORGE !== 'branch') return;
    try {
      await this.workspace().assertRemoteUsable();
    } catch (error) {
      if (error instanceof TerminalError) throw new TerminalError(error.code, `PF_CATALOG_REMOTE: ${error.message}`);
      throw error;
    }
  }

  get severity(): Severity {
    return this.config.PF_UPDATE_SEVERITY;
  }

  workspace(): CatalogWorkspace {
    if (this.ws) return this.ws;
    const c = this.config;
    if (!c.PF_CATALOG_REMOTE) {
      throw new TerminalError(
        CatalogAccessErrorCode.catalogNotConfigured,
        'PF_CATALOG_REMOTE is not set: the factory does not know its definitions repository',
      );
    }
    this.ws = new CatalogWorkspace(
      {
        remoteUrl: c.PF_CATALOG_REMOTE,
        // One clone per process (git operations on one clone run one at a time).
        workDir: c.PF_CATALOG_WORKDIR ?? join(tmpdir(), `patch-factory-catalog-${process.pid}`),
        author: { name: c.PF_GIT_AUTHOR_NAME, email: c.PF_GIT_AUTHOR_EMAIL },
        ...(c.PF_CATALOG_BRANCH ? { baseBranch: c.PF_CATALOG_BRANCH } : {}),
        // GitHub mode pushes over https with the token, through git's credential protocol only.
        ...(c.PF_FORGE === 'github' && c.PF_GITHUB_TOKEN && c.PF_CATALOG_REMOTE.startsWith('https://')
          ? { httpAuth: { token: c.PF_GITHUB_TOKEN } }
          : {}),
      },
      // git's own words reach the log when a command fails (never the token: the runner strips it).
      this.logger ? { logger: this.logger } : {},
    );
    return this.ws;
  }

  forge(): Forge {
    if (this.fg) return this.fg;
    const c = this.config;
    const config =
      c.PF_FORGE === 'github'
        ? {
            provider: 'github',
            owner: c.PF_GITHUB_OWNER,
            repo: c.PF_GITHUB_REPO,
            token: c.PF_GITHUB_TOKEN,
            baseUrl: c.PF_GITHUB_API_URL,
            writesPerMinute: c.PF_GITHUB_WRITES_PER_MINUTE,
            autoMergePolicy: { ...DEFAULT_AUTO_MERGE_POLICY, allowUnchecked: c.PF_GITHUB_ALLOW_UNCHECKED },
          }
        : // Branch mode has no reviewer and no merge webhook: the gates passing is the review.
          { provider: 'branch', autoMergePolicy: BRANCH_MODE_POLICY };
    this.fg = createForge(config, { workspace: this.workspace() });
    return this.fg;
  }
}
