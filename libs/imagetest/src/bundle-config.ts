import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shownPath } from '@patch-factory/builder';
import { ImageTestErrorCode, imageTestTerminal } from './imagetest-errors';

/** What a test run needs of an OCI runtime bundle's config.json (as `umoci unpack` writes it). */
export interface BundleRunConfig {
  env: string[];
  user: { uid: number; gid: number };
  workDir: string;
  /** `uid:gid`, as an image config `User`. */
  configUser: string;
}

const MAX_CONFIG = 1024 * 1024;

/** Reads `process.env`, `process.user` and `process.cwd` of `<bundle>/config.json`. */
export async function readBundleRunConfig(bundle: string): Promise<BundleRunConfig> {
  const path = join(bundle, 'config.json');
  const bad = (why: string) =>
    imageTestTerminal(ImageTestErrorCode.testInvalid, `bundle config "${shownPath(path)}" ${why}`);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined || text.length > MAX_CONFIG) throw bad('is missing or larger than 1 MiB');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw bad('is not JSON');
  }
  const proc = (json as { process?: { env?: unknown; user?: { uid?: unknown; gid?: unknown }; cwd?: unknown } })
    .process;
  const env = proc?.env ?? [];
  if (!Array.isArray(env) || !env.every((e) => typeof e === 'string'))
    throw bad('has a process.env that is not a list of strings');
  const uid = proc?.user?.uid ?? 0;
  const gid = proc?.user?.gid ?? 0;
  if (typeof uid !== 'number' || typeof gid !== 'number') throw bad('has a process.user without numeric uid and gid');
  const workDir = typeof proc?.cwd === 'string' ? proc.cwd : '/';
  return { env, user: { uid, gid }, workDir, configUser: `${uid}:${gid}` };
}
