import { isRecord } from '@patch-factory/contracts';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VulnDb, loadAdvisoryJson, loadOsvJson } from '@patch-factory/vuln';
import { CheckingErrorCode, checkingTerminal } from './checking-errors';

/** Largest advisory file read (the tracker's whole export is ~80 MiB). */
const MAX_FILE = 256 * 1024 * 1024;
const MAX_FILES = 10_000;

export interface LoadedAdvisories {
  db: VulnDb;
  /** The files read, by name. */
  files: string[];
  /** How many OSV documents came from the store (AdvisoryRepository). */
  stored: number;
  /** The first located problems of records left out. */
  problems: string[];
}

/**
 * The advisory database of PF_ADVISORY_DIR: every `*.json` file of the directory (not below
 * it), in name order, as OSV (a record with an `id`, a list of records, or `{"vulns": […]}`)
 * or, any other JSON object, as the Debian security tracker's export. Read anew at each scan, so
 * advisories dropped in take effect at the next run. No directory configured: an empty database.
 * Then every OSV document of `stored` (the store's advisories, see AdvisoryRepository.documents),
 * the same way. An unreadable directory, a file that is not JSON or a too large one fails the scan with
 * `scan-advisories-invalid` naming the file; bad records inside a file are left out and listed.
 */
export async function loadAdvisories(
  dir: string | undefined,
  stored: AsyncIterable<unknown> | Iterable<unknown> = [],
): Promise<LoadedAdvisories> {
  const db = new VulnDb();
  const files = dir === undefined ? [] : await loadDir(db, dir);
  let count = 0;
  for await (const osv of stored) {
    count++;
    loadOsvJson(db, osv, `store:advisory:${isRecord(osv) && typeof osv['id'] === 'string' ? osv['id'] : count}`);
  }
  return { db, files, stored: count, problems: db.problems.slice(0, 20).map((p) => p.message) };
}

async function loadDir(db: VulnDb, dir: string): Promise<string[]> {
  const bad = (where: string, why: string, cause?: unknown) =>
    checkingTerminal(CheckingErrorCode.advisoriesInvalid, `PF_ADVISORY_DIR ${where}: ${why}`, cause);
  const names = await readdir(dir).catch((error: unknown) => {
    throw bad(dir, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, error);
  });
  const files = names.filter((n) => n.endsWith('.json')).sort();
  if (files.length > MAX_FILES) throw bad(dir, `holds ${files.length} JSON files, more than ${MAX_FILES}`);
  for (const name of files) {
    const path = join(dir, name);
    const s = await stat(path);
    if (!s.isFile()) continue;
    if (s.size > MAX_FILE) throw bad(path, `is ${s.size} bytes, more than ${MAX_FILE}`);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw bad(path, `is not JSON (${(error as Error).message.slice(0, 120)})`, error);
    }
    loadAdvisoryJson(db, json, path);
  }
  return files;
}
