import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { ApiTokenRepository, ROLES } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';

/**
 * At the first start of an installation (no token at all), makes an admin token and shows
 * it once: on stderr, and in PF_BOOTSTRAP_TOKEN_FILE when set (mode 0600; a file left by an
 * earlier installation is replaced: with no token in the store, the one it holds is dead).
 * Replicas starting together make one (SET NX); later starts make none.
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
    if (file) writeSecretFile(file, `${token}\n`);
    // The secret goes to stderr only, not through the structured log (which may be shipped elsewhere).
    process.stderr.write(
      `patch-factory: bootstrap admin token (shown once; make others with POST /tokens): ${token}\n`,
    );
    this.logger.warn({ file: file ?? null }, 'bootstrap admin token created (printed once on stderr)');
  }
}

/** Writes a new file of mode 0600 beside `file` (never following a link) and renames it over `file`. */
function writeSecretFile(file: string, content: string): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
