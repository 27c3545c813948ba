import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '@patch-factory/config';
import { shown } from '../builder-errors';
import type { BuildSourcesOptions } from '../source/build-sources';
import { BuildErrorCode, buildTerminal } from './build-errors';

/** What the builder takes from the factory's configuration (libs/config). */
export interface BuildSettings {
  cacheDir: string;
  outRoot: string;
  sources: BuildSourcesOptions;
  sandbox?: 'bwrap' | 'chroot';
  sourceDateEpoch: number;
}

type BuildEnv = Pick<
  Env,
  | 'PF_BUILD_CACHE_DIR'
  | 'PF_BUILD_OUT_DIR'
  | 'PF_BUILD_KEYRING_DIR'
  | 'PF_BUILD_MIRRORS'
  | 'PF_BUILD_SANDBOX'
  | 'SOURCE_DATE_EPOCH'
>;

/** Reads PF_BUILD_* (and SOURCE_DATE_EPOCH); a malformed PF_BUILD_MIRRORS is refused naming the entry. */
export function buildSettings(env: BuildEnv): BuildSettings {
  return {
    cacheDir: env.PF_BUILD_CACHE_DIR ?? join(tmpdir(), 'patch-factory-build-cache'),
    outRoot: env.PF_BUILD_OUT_DIR ?? join(tmpdir(), 'patch-factory-builds'),
    sources: { keyringDir: env.PF_BUILD_KEYRING_DIR, mirrors: parseMirrors(env.PF_BUILD_MIRRORS) },
    ...(env.PF_BUILD_SANDBOX === 'auto' ? {} : { sandbox: env.PF_BUILD_SANDBOX }),
    sourceDateEpoch: env.SOURCE_DATE_EPOCH ?? 0,
  };
}

/** PF_BUILD_MIRRORS: a JSON object of absolute http(s) URL prefixes to their replacements. */
export function parseMirrors(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') return {};
  const bad = (why: string) =>
    buildTerminal(
      BuildErrorCode.definitionInvalid,
      `PF_BUILD_MIRRORS: ${why}; expected {"https://archive/debian": "https://mirror/debian"}`,
    );
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw bad('is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('is not a JSON object');
  const out: Record<string, string> = {};
  for (const [from, to] of Object.entries(value)) {
    if (!/^https?:\/\/[^\s]+$/.test(from)) throw bad(`key "${shown(from, 80)}" is not an http(s) URL`);
    if (typeof to !== 'string' || !/^https?:\/\/[^\s]+$/.test(to))
      throw bad(`the mirror of ${shown(from, 80)} is not an http(s) URL`);
    Object.defineProperty(out, from, { value: to, enumerable: true });
  }
  return out;
}
