// Test helpers (not a suite): what `patch-factory test` and `scan` are checked with — temporary
// definitions with tests, the installed packages of a built layout, advisory and VEX fixtures.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImageRootFs } from '@patch-factory/oci';

/** One installed package of an image's dpkg database. */
export interface StatusPackage {
  name: string;
  version: string;
  source: string;
  sourceVersion: string;
}

/** The installed packages of the image of a layout (var/lib/dpkg/status, `install ok installed`). */
export async function installedPackages(layout: string): Promise<StatusPackage[]> {
  const fs = await readImageRootFs(layout);
  const status = fs.get('var/lib/dpkg/status');
  if (status?.type !== 'file') throw new Error(`${layout}: no var/lib/dpkg/status`);
  const out: StatusPackage[] = [];
  for (const stanza of status.data.toString('utf8').split(/\n\s*\n/)) {
    const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(stanza)?.[1]?.trim();
    const name = field('Package');
    const version = field('Version');
    if (name === undefined || version === undefined || field('Status') !== 'install ok installed') continue;
    const source = /^(\S+)(?: \((\S+)\))?$/.exec(field('Source') ?? name);
    out.push({ name, version, source: source?.[1] ?? name, sourceVersion: source?.[2] ?? version });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** A copy of a definition with a `tests:` list appended (the example has none), written to `file`. */
export function withTests(definitionFile: string, file: string, tests: readonly Record<string, unknown>[]): string {
  const text = readFileSync(definitionFile, 'utf8');
  if (/^tests:/m.test(text)) throw new Error(`${definitionFile} already has tests`);
  writeFileSync(file, `${text.trimEnd()}\ntests:\n${tests.map((t) => `  - ${JSON.stringify(t)}`).join('\n')}\n`);
  return file;
}

const CRITICAL_VECTOR = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

function osvRecord(id: string, pkg: string, fixed: string): Record<string, unknown> {
  return {
    schema_version: '1.6.0',
    id,
    modified: '2026-01-01T00:00:00Z',
    summary: `fixture advisory for ${pkg}`,
    severity: [{ type: 'CVSS_V3', score: CRITICAL_VECTOR }],
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: pkg },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
      },
    ],
  };
}

export const FIXTURE_IDS = {
  openssl: 'CVE-2099-0001',
  opensslFixedEqual: 'CVE-2099-0002',
  redisOpen: 'CVE-2099-0003',
  redisVex: 'CVE-2099-0004',
} as const;

/**
 * An advisory directory: OSV records for the openssl source package (one fixed above the
 * installed version, one fixed AT it), the Debian tracker with two open redis issues, a file that
 * is not JSON and a file that is not *.json (ignored).
 */
export function writeAdvisories(dir: string, opensslVersion: string): { broken: string } {
  mkdirSync(join(dir, 'osv', 'nested'), { recursive: true });
  writeFileSync(
    join(dir, 'osv', `${FIXTURE_IDS.openssl}.json`),
    JSON.stringify(osvRecord(FIXTURE_IDS.openssl, 'openssl', `${opensslVersion}+pf1`)),
  );
  writeFileSync(
    join(dir, 'osv', 'nested', 'batch.json'),
    JSON.stringify([osvRecord(FIXTURE_IDS.opensslFixedEqual, 'openssl', opensslVersion)]),
  );
  const tracker = {
    redis: {
      [FIXTURE_IDS.redisOpen]: {
        description: 'fixture',
        releases: { bookworm: { status: 'open', urgency: 'medium', repositories: {} } },
      },
      [FIXTURE_IDS.redisVex]: {
        description: 'fixture',
        releases: { bookworm: { status: 'open', urgency: 'high', repositories: {} } },
      },
    },
  };
  writeFileSync(join(dir, 'tracker.json'), JSON.stringify(tracker));
  const broken = join(dir, 'osv', 'broken.json');
  writeFileSync(broken, '{"id": "CVE-2099-9999", "modified": ');
  writeFileSync(join(dir, 'README.txt'), 'not an advisory');
  return { broken };
}

/** An OpenVEX document: the redis source package is not affected by one of the tracker's issues. */
export function writeVex(file: string): void {
  writeFileSync(
    file,
    JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://example.com/vex/pf-fixture-1',
      author: 'patch-factory tests',
      timestamp: '2026-01-01T00:00:00Z',
      version: 1,
      statements: [
        {
          vulnerability: { name: FIXTURE_IDS.redisVex },
          products: [{ '@id': 'pkg:deb/debian/redis' }],
          status: 'not_affected',
          justification: 'vulnerable_code_not_in_execute_path',
        },
      ],
    }),
  );
}
