import { readFileSync, statSync } from 'node:fs';
import { isLoopbackHost } from '@patch-factory/http';
import { API_TOKEN_FORMAT } from '@patch-factory/store';
import { ConfigError } from './api-client';

/**
 * The API token the CLI sends: PF_TOKEN, else the file PF_TOKEN_FILE names (owned by the
 * user, mode 0600 or stricter: a token others can read is refused, not used). None: requests
 * go without one and the API answers 401. A token never travels over plain http to a host
 * that is not loopback.
 */
export function apiToken(env: NodeJS.ProcessEnv, base: URL): string | undefined {
  const token = fromEnv(env) ?? fromFile(env);
  if (token === undefined) return undefined;
  if (!API_TOKEN_FORMAT.test(token))
    throw new ConfigError(
      `${env['PF_TOKEN'] ? 'PF_TOKEN' : 'the file PF_TOKEN_FILE names'} does not hold a patch-factory API token (pf_<16 hex>_<43 characters>)`,
    );
  if (base.protocol === 'http:' && !isLoopbackHost(base.hostname)) {
    throw new ConfigError(
      `PF_API_URL is plain http:// to ${base.hostname}: the API token would travel in clear; use https://`,
    );
  }
  return token;
}

function fromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const v = env['PF_TOKEN'];
  return v === undefined || v === '' ? undefined : v.trim();
}

function fromFile(env: NodeJS.ProcessEnv): string | undefined {
  const file = env['PF_TOKEN_FILE'];
  if (file === undefined || file === '') return undefined;
  let mode: number;
  let uid: number;
  try {
    ({ mode, uid } = statSync(file));
  } catch (error) {
    throw new ConfigError(
      `PF_TOKEN_FILE ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      `PF_TOKEN_FILE ${file} is readable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 it`,
    );
  }
  if (typeof process.getuid === 'function' && uid !== process.getuid())
    throw new ConfigError(`PF_TOKEN_FILE ${file} belongs to another user (uid ${uid})`);
  return readFileSync(file, 'utf8').trim();
}
