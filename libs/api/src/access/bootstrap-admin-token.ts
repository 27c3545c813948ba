import { constants, openSync, writeSync, closeSync } from 'node:fs';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { ApiTokenRepository, ROLES } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';

/**
 * At the first start of an installation (no token at all), makes an admin token and shows
 * it once: on stderr, and in PF_BOOTSTRAP_TOKEN_FILE when set (created with mode 0600, never
 * overwritten). Replicas starting together make one (SET NX); later starts make none.
 */
@Injectable()
export class BootstrapAdminToken implements OnApplicationBootstrap {
  constructor(
    private readonly tokens: ApiTokenRepository,
    @Inject(CONFIG) private readonly config: Env,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const token = await this.tokens.createBootstrapAdmin(ROLES.admin);
    if (!token) return;
    const file = this.config.PF_BOOTSTRAP_TOKEN_FILE;
    if (file) {
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        writeSync(fd, `${token}\n`);
      } finally {
        closeSync(fd);
      }
    }
    // The secret goes to stderr only, not through the structured log (which may be shipped elsewhere).
    process.stderr.write(`patch-factory: bootstrap admin token (shown once; make others with POST /tokens): ${token}\n`);
    this.logger.warn({ file: file ?? null }, 'bootstrap admin token created (printed once on stderr)');
  }
}
