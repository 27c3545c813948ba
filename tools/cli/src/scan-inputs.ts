import { lstat, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VulnDb, loadAdvisoryJson, parseOpenVex, type VexDocument } from '@patch-factory/vuln';
import { quote } from './args';
import { CommandError } from './command-error';
import { safeText } from './terminal-text';

/** Largest advisory or VEX file read (the whole Debian tracker export is about 100 MiB). */
const MAX_FILE = 256 * 1024 * 1024;
/** At most this many files and directory levels below a directory. */
const MAX_FILES = 200_000;
const MAX_DEPTH = 32;

/** A problem met loading inputs, printed as a warning: where, what. */
export type Warn = (message: string) => void;

/**
 * The `*.json` files of a file or directory argument: the file itself (whatever its name), or
 * every regular `*.json` file below the directory, sorted; symlinks below it are not followed
 * (warned). Throws `input-unreadable` when the argument itself cannot be read.
 */
export async function jsonFiles(target: string, flag: string, warn: Warn): Promise<string[]> {
  const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
    throw new CommandError(
      'input-unreadable',
      `${flag} ${quote(target)}: ${error.code === 'ENOENT' ? 'no such file or directory' : safeText(error.message)}`,
    );
  });
  if (info.isFile()) return [target];
  if (!info.isDirectory())
    throw new CommandError('input-unreadable', `${flag} ${quote(target)} is neither a file nor a directory`);
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) return warn(`${safeText(dir)}: more than ${MAX_DEPTH} directory levels, not read further`);
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const s = await lstat(path);
      if (s.isDirectory()) await walk(path, depth + 1);
      else if (!name.endsWith('.json')) continue;
      else if (s.isSymbolicLink()) warn(`${safeText(path)}: a symbolic link, not followed`);
      else if (s.isFile()) {
        if (out.length >= MAX_FILES)
          return warn(`${safeText(target)}: more than ${MAX_FILES} files, the rest not read`);
        out.push(path);
      }
    }
  };
  await walk(target, 0);
  return out;
}

/** A file's JSON, or undefined with a warning (unreadable, too large, not JSON). */
async function readJson(path: string, warn: Warn): Promise<unknown> {
  try {
    const s = await stat(path);
    if (s.size > MAX_FILE) {
      warn(`${safeText(path)}: ${s.size} bytes, over the limit of ${MAX_FILE}; not read`);
      return undefined;
    }
    const text = await readFile(path, 'utf8');
    return JSON.parse(text) as unknown;
  } catch (error) {
    warn(
      `${safeText(path)}: ${error instanceof SyntaxError ? 'not JSON' : 'unreadable'} (${safeText((error as Error).message, 160)}); skipped`,
    );
    return undefined;
  }
}

export interface AdvisoryLoad {
  db: VulnDb;
  files: number;
  osvFiles: number;
  trackerFiles: number;
}

/** Loads every advisory file of `target` into one database; bad files and records are warnings. */
export async function loadAdvisories(target: string, warn: Warn): Promise<AdvisoryLoad> {
  const db = new VulnDb();
  const load: AdvisoryLoad = { db, files: 0, osvFiles: 0, trackerFiles: 0 };
  for (const path of await jsonFiles(target, '--advisories', warn)) {
    const json = await readJson(path, warn);
    if (json === undefined) continue;
    load.files++;
    try {
      if (loadAdvisoryJson(db, json, path) === 'osv') load.osvFiles++;
      else load.trackerFiles++;
    } catch (error) {
      warn(`${safeText((error as Error).message)}; skipped`);
    }
  }
  return load;
}

/** Every OpenVEX document of `target`; a bad document or statement is a warning. */
export async function loadVex(target: string, warn: Warn): Promise<VexDocument[]> {
  const docs: VexDocument[] = [];
  for (const path of await jsonFiles(target, '--vex', warn)) {
    const json = await readJson(path, warn);
    if (json === undefined) continue;
    try {
      const doc = parseOpenVex(json, path);
      for (const problem of doc.invalid) warn(`${safeText(problem.message)} (${problem.code}); statement left out`);
      docs.push(doc);
    } catch (error) {
      warn(`${safeText((error as Error).message)}; skipped`);
    }
  }
  return docs;
}
