import { TerminalError, isRecord, shownValue } from '@patch-factory/contracts';
import { DEBIAN_RELEASES, checkVersion } from '../distro';
import { End, type Interval } from '../ranges';
import { severityOfUrgency } from '../severity/severity';
import type { VulnDb } from '../vuln-db';
import { VulnErrorCode, vulnError } from '../vuln-errors';

export interface TrackerLoad {
  packages: number;
  issues: number;
  /** Entries indexed (a package × issue × release that is affected). */
  entries: number;
  /** Entries kept out with a reported problem. */
  rejected: number;
}

const NAME = /^[a-z0-9][a-z0-9+.-]{0,127}$/;
const ID = /^(CVE-\d{4}-\d{4,7}|TEMP-\d{7}-[0-9A-F]{6}|DSA-\d+-\d+|DLA-\d+-\d+)$/;

/**
 * Loads the Debian security tracker's JSON export (`{ "<source package>": { "<CVE>": {
 * "releases": { "<code name>": { "status", "fixed_version", "urgency" } }, "description" } } }`)
 * for the releases in `releases` (code name → number, Debian's 10…14 by default), keyed by source
 * package per release (`debian-12`):
 *   resolved with a fixed version → affected below it (fixable); resolved at "0" → never affected;
 *   open / undetermined → affected at every version, no fix (not fixable).
 * Severity is the urgency (see severityOfUrgency). A bad package, issue or release entry is
 * reported with where it is and left out; throws only when the text is not a JSON object.
 */
export function loadTrackerText(
  db: VulnDb,
  text: string,
  where: string,
  releases: Readonly<Record<string, string>> = DEBIAN_RELEASES,
): TrackerLoad {
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
  return loadTrackerJson(db, json, where, releases);
}

export function loadTrackerJson(
  db: VulnDb,
  json: unknown,
  where: string,
  releases: Readonly<Record<string, string>> = DEBIAN_RELEASES,
): TrackerLoad {
  if (!isRecord(json))
    throw vulnError(
      VulnErrorCode.invalidFeed,
      where,
      `expected the tracker's object of source packages, got ${shownValue(json)}`,
    );
  const load: TrackerLoad = { packages: 0, issues: 0, entries: 0, rejected: 0 };
  const problem = (at: string, message: string) => {
    load.rejected++;
    db.report(vulnError(VulnErrorCode.invalidFeed, at, message));
  };
  for (const [pkg, issues] of Object.entries(json)) {
    const pkgAt = `${where}: ${JSON.stringify(pkg.slice(0, 60))}`;
    if (!NAME.test(pkg)) {
      problem(pkgAt, 'is not a Debian source package name');
      continue;
    }
    if (!isRecord(issues)) {
      problem(pkgAt, `expected an object of issues, got ${shownValue(issues)}`);
      continue;
    }
    load.packages++;
    for (const [id, issue] of Object.entries(issues)) {
      const at = `${where}: ${pkg}/${id.slice(0, 40)}`;
      if (!ID.test(id)) {
        problem(at, 'is not a CVE, TEMP, DSA or DLA id');
        continue;
      }
      if (!isRecord(issue) || !isRecord(issue['releases'])) {
        problem(
          at,
          `expected an object with "releases", got ${isRecord(issue) ? `releases ${shownValue(issue['releases'])}` : shownValue(issue)}`,
        );
        continue;
      }
      load.issues++;
      for (const [release, number] of Object.entries(releases)) {
        const rel = issue['releases'][release];
        if (rel === undefined) continue;
        try {
          const intervals = intervalsOf(rel, `${at}.releases.${release}`);
          if (!intervals) continue;
          const rec = rel as Record<string, unknown>;
          const added = db.addEntry(db.advisory(id, undefined, 'debian-tracker'), {
            distroKey: `debian-${number}`,
            family: 'debian',
            pkg,
            intervals,
            severity: severityOfUrgency(rec['urgency']),
            knownExploited: false,
          });
          if (added) load.entries++;
          else problem(at, 'the advisory database is full');
        } catch (error) {
          load.rejected++;
          db.report(error instanceof TerminalError ? error : vulnError(VulnErrorCode.invalidFeed, at, String(error)));
        }
      }
    }
  }
  return load;
}

/** A release entry's affected intervals; undefined when not affected (resolved at "0", not-affected). */
function intervalsOf(rel: unknown, at: string): Interval[] | undefined {
  if (!isRecord(rel)) throw vulnError(VulnErrorCode.invalidFeed, at, `expected an object, got ${shownValue(rel)}`);
  const status = rel['status'];
  if (status === 'open' || status === 'undetermined') return [{ lo: '', hi: '', end: End.Open }];
  if (status === 'not-affected') return undefined;
  if (status !== 'resolved')
    throw vulnError(
      VulnErrorCode.invalidFeed,
      `${at}.status`,
      `expected resolved, open, undetermined or not-affected, got ${shownValue(status)}`,
    );
  const fixed = rel['fixed_version'];
  if (fixed === '0') return undefined;
  return [{ lo: '', hi: checkVersion('debian', fixed, `${at}.fixed_version`), end: End.Fixed }];
}
