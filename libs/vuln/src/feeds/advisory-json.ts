import { isRecord } from '@patch-factory/contracts';
import type { VulnDb } from '../vuln-db';
import { loadOsvJson } from './osv-ingest';
import { loadTrackerJson } from './tracker-ingest';

/**
 * Whether an advisory file's JSON is OSV: a list of records, an OSV query answer
 * `{"vulns": […]}`, or one record (an `id` beside an OSV field: `affected`, `modified`,
 * `schema_version`). Anything else is taken for the Debian security tracker's export
 * (source package → issue → …).
 */
export function isOsvJson(json: unknown): boolean {
  if (Array.isArray(json)) return true;
  if (!isRecord(json)) return false;
  return (
    Array.isArray(json['vulns']) ||
    (typeof json['id'] === 'string' && ('affected' in json || 'modified' in json || 'schema_version' in json))
  );
}

/**
 * Loads one advisory file's JSON into the database, as OSV or as the tracker's export (see
 * isOsvJson); returns which. The one reading of an advisory file, for the scan stage
 * (PF_ADVISORY_DIR) and the CLI (`--advisories`). Throws as loadTrackerJson does (not an object).
 */
export function loadAdvisoryJson(db: VulnDb, json: unknown, where: string): 'osv' | 'tracker' {
  if (isOsvJson(json)) {
    loadOsvJson(db, json, where);
    return 'osv';
  }
  loadTrackerJson(db, json, where);
  return 'tracker';
}
