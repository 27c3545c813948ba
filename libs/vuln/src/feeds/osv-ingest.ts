import { OsvAdvisorySchema, TerminalError, isRecord } from '@patch-factory/contracts';
import { checkVersion, distroOfEcosystem } from '../distro';
import { End, intervalsOfEvents, type Interval } from '../ranges';
import type { VulnDb } from '../vuln-db';
import { VulnErrorCode, vulnError, type VulnErrorCodeValue } from '../vuln-errors';
import { osvKnownExploited, osvSeverity } from './osv-severity';

/** What loading OSV records did: records read, indexed (some entry of Debian / Alpine), skipped (other ecosystems, withdrawn), rejected. */
export interface OsvLoad {
  records: number;
  indexed: number;
  skipped: number;
  rejected: number;
}

const MAX_RECORDS = 500_000;

/**
 * Loads OSV records from one JSON text (a record, an array of them, or an OSV query answer
 * `{"vulns": [...]}`) into the database. The record's shape is checked with the contracts'
 * OsvAdvisorySchema (the one the sources' OSV feed uses), the severity and exploited flag are read
 * beside it. Entries of the Debian / Alpine ecosystems are indexed by their package (OSV names
 * the source package there); a bad record or entry is reported with where it is and left out.
 * Throws only when the text is not JSON.
 */
export function loadOsvText(db: VulnDb, text: string, where: string): OsvLoad {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw vulnError(
      VulnErrorCode.invalidFeed,
      where,
      `not JSON (${error instanceof Error ? error.message.slice(0, 80) : 'parse error'})`,
    );
  }
  return loadOsvJson(db, json, where);
}

export function loadOsvJson(db: VulnDb, json: unknown, where: string): OsvLoad {
  const records = Array.isArray(json) ? json : isRecord(json) && Array.isArray(json['vulns']) ? json['vulns'] : [json];
  const load: OsvLoad = { records: 0, indexed: 0, skipped: 0, rejected: 0 };
  if (records.length > MAX_RECORDS)
    db.report(
      vulnError(VulnErrorCode.tooLarge, where, `${records.length} records, only the first ${MAX_RECORDS} are read`),
    );
  records.slice(0, MAX_RECORDS).forEach((r, i) => {
    load.records++;
    const outcome = addOsvRecord(db, r, records.length === 1 ? where : `${where}[${i}]`);
    load[outcome]++;
  });
  return load;
}

/** Adds one OSV record; says whether it was indexed, skipped (nothing for a distro, withdrawn) or rejected (bad, or every distro entry of it bad). */
export function addOsvRecord(db: VulnDb, raw: unknown, where: string): 'indexed' | 'skipped' | 'rejected' {
  const fail = (code: VulnErrorCodeValue, at: string, message: string): 'rejected' => {
    db.report(vulnError(code, at, message));
    return 'rejected';
  };
  if (!isRecord(raw))
    return fail(
      VulnErrorCode.invalidFeed,
      where,
      `expected an OSV record (an object), got ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`,
    );
  if (Array.isArray(raw['affected']) && raw['affected'].length > 256)
    return fail(VulnErrorCode.tooLarge, `${where}.affected`, `${raw['affected'].length} entries, more than 256`);
  const parsed = OsvAdvisorySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(
      VulnErrorCode.invalidFeed,
      `${where}${issue?.path.length ? `.${issue.path.join('.')}` : ''}`,
      issue?.message ?? 'not an OSV record',
    );
  }
  const osv = parsed.data;
  const at = `${where} (${osv.id})`;
  if (osv.withdrawn) return 'skipped';
  let indexed = false;
  let failed = false;
  osv.affected.forEach((a, i) => {
    const distro = distroOfEcosystem(a.package.ecosystem);
    if (!distro) return;
    const entryAt = `${at}.affected[${i}]`;
    if (!/^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}$/.test(a.package.name)) {
      db.report(
        vulnError(
          VulnErrorCode.invalidFeed,
          `${entryAt}.package.name`,
          `${JSON.stringify(a.package.name.slice(0, 60))} is not a package name`,
        ),
      );
      return;
    }
    try {
      const intervals: Interval[] = [];
      (a.ranges ?? []).forEach((r, j) => {
        if (r.type === 'ECOSYSTEM')
          intervals.push(...intervalsOfEvents(distro.family, r.events, `${entryAt}.ranges[${j}]`));
      });
      (a.versions ?? []).forEach((v, j) =>
        intervals.push({ lo: checkVersion(distro.family, v, `${entryAt}.versions[${j}]`), hi: '', end: End.Exact }),
      );
      if (intervals.length === 0) return;
      const rated = osvSeverity(raw, (raw['affected'] as unknown[])[i], at, (e) => db.report(e));
      const added = db.addEntry(db.advisory(osv.id, osv.aliases, 'osv'), {
        distroKey: distro.key,
        family: distro.family,
        pkg: a.package.name,
        intervals,
        ...rated,
        knownExploited: osvKnownExploited(raw, (raw['affected'] as unknown[])[i]),
      });
      if (!added) db.report(vulnError(VulnErrorCode.tooLarge, entryAt, 'the advisory database is full'));
      indexed ||= added;
    } catch (error) {
      failed = true;
      db.report(error instanceof TerminalError ? error : vulnError(VulnErrorCode.invalidFeed, entryAt, String(error)));
    }
  });
  return indexed ? 'indexed' : failed ? 'rejected' : 'skipped';
}
