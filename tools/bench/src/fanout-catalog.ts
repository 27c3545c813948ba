import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseDocument, isMap, isSeq } from 'yaml';
import { listDefinitionFiles } from '@patch-factory/definitions';

/** The package every definition of the fan-out catalog pins, per ecosystem, and its versions. */
export const FANOUT_PINS = {
  deb: { name: 'libc6', variable: 'LIBC6_VERSION', old: '2.36-9+deb12u10', fixed: '2.36-9+deb12u13' },
  apk: { name: 'musl', variable: 'MUSL_VERSION', old: '1.2.5-r9', fixed: '1.2.5-r10' },
} as const;

export interface FanoutCatalog {
  /** path in the catalog → text. */
  files: Record<string, string>;
  /** Definitions that pin the C library through a variable (all that could be given one). */
  pinned: number;
  /** Definitions left as they are (no `contents.packages` list to pin in: Dockerfile-style). */
  untouched: number;
}

/**
 * The real catalog (../shared/corpus/dhi-catalog), each definition made to pin its C library
 * the way the catalog pins a package: a variable in `vars:` and `name=<value>` in
 * `contents.packages` (libc6 on Debian, musl on Alpine). Every real image ships a C library,
 * so one advisory on it touches every definition: the worst fan-out a catalog can see.
 * Built in memory from the corpus at each run; nothing of the corpus is copied into the project.
 */
export function fanoutCatalog(root: string): FanoutCatalog {
  const out: FanoutCatalog = { files: {}, pinned: 0, untouched: 0 };
  for (const path of listDefinitionFiles(root)) {
    const file = relative(root, path);
    const text = readFileSync(path, 'utf8');
    const pin = file.split('/')[2]?.startsWith('alpine') ? FANOUT_PINS.apk : FANOUT_PINS.deb;
    const doc = parseDocument(text);
    const packages = doc.getIn(['contents', 'packages']);
    if (!isSeq(packages)) {
      out.files[file] = text;
      out.untouched++;
      continue;
    }
    const vars = doc.get('vars');
    if (isMap(vars)) vars.set(pin.variable, pin.old);
    else doc.set('vars', { [pin.variable]: pin.old });
    packages.add(`${pin.name}=${pin.old}`);
    out.files[file] = doc.toString({ lineWidth: 0 });
    out.pinned++;
  }
  return out;
}

/** The one advisory of the benchmark: the C library of both distributions, critical. */
export function fanoutAdvisory(): Record<string, unknown> {
  return {
    id: 'CVE-2026-99999',
    modified: '2026-12-01T00:00:00Z',
    published: '2026-12-01T00:00:00Z',
    database_specific: { severity: 'critical' },
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: FANOUT_PINS.deb.name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: FANOUT_PINS.deb.fixed }] }],
      },
      {
        package: { ecosystem: 'Alpine:v3.23', name: FANOUT_PINS.apk.name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: FANOUT_PINS.apk.fixed }] }],
      },
    ],
  };
}
