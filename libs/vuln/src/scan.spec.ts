import { loadOsvJson } from './feeds/osv-ingest';
import { loadTrackerJson } from './feeds/tracker-ingest';
import { scan, type ScanPackage } from './match';
import { applyVex } from './vex/apply-vex';
import { emitImageVex } from './vex/emit-vex';
import { parseOpenVex } from './vex/openvex-parse';
import { VulnDb } from './vuln-db';

/** The project's own fixture: an image's packages, the feeds' advisories about them. */
const PACKAGES: ScanPackage[] = [
  { name: 'libssl3', version: '3.0.11-1~deb12u2', arch: 'amd64', source: 'openssl' },
  { name: 'curl', version: '7.88.1-10+deb12u5', arch: 'amd64' },
  { name: 'libcurl4', version: '7.88.1-10+deb12u5', arch: 'amd64', source: 'curl' },
  { name: 'bind9-libs', version: '1:9.18.24-1', arch: 'amd64', source: 'bind9' },
  { name: 'libfoo1', version: '2.0~rc1-1+b1', arch: 'amd64', source: 'foo (2.0~rc1-1)' },
  { name: 'tar', version: '1.34+dfsg-1.2+deb12u1', arch: 'amd64' },
  { name: 'libsqlite3-0', version: '3.40.1-2', arch: 'amd64', source: 'sqlite3' },
  { name: 'zlib1g', version: '1:1.2.13.dfsg-1', arch: 'amd64', source: 'zlib' },
];

const osv = (id: string, pkg: string, events: object[], extra: object = {}, ecosystem = 'Debian:12') => ({
  id,
  modified: '2026-01-01T00:00:00Z',
  affected: [{ package: { ecosystem, name: pkg }, ranges: [{ type: 'ECOSYSTEM', events }] }],
  ...extra,
});

const OSV = [
  // the source (openssl) is named, not the binary; said by OSV as a DSA with the CVE as alias
  osv('DSA-5600-1', 'openssl', [{ introduced: '0' }, { fixed: '3.0.13-1~deb12u1' }], {
    aliases: ['CVE-2024-0001'],
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    database_specific: { known_exploited: true },
  }),
  // installed == fixed: not affected (curl and libcurl4)
  osv('CVE-2024-0002', 'curl', [{ introduced: '0' }, { fixed: '7.88.1-10+deb12u5' }]),
  // epochs: 1:9.18.24-1 > 9.18.28-1 (not affected) but < 1:9.18.28-1 (affected)
  osv('CVE-2024-0003', 'bind9', [{ introduced: '0' }, { fixed: '9.18.28-1' }]),
  osv('CVE-2024-0004', 'bind9', [{ introduced: '0' }, { fixed: '1:9.18.28-1' }], {
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' }],
  }),
  // tildes: 2.0~rc1-1 < 2.0-1 (affected); last_affected 1.9-1 < 2.0~rc1-1 (not affected)
  osv('CVE-2024-0005', 'foo', [{ introduced: '2.0~alpha1-1' }, { fixed: '2.0-1' }], {}, 'Debian'),
  osv('CVE-2024-0006', 'foo', [{ introduced: '0' }, { last_affected: '1.9-1' }]),
  // suppressed by VEX below
  osv('CVE-2025-0007', 'sqlite3', [{ introduced: '0' }, { fixed: '3.40.1-2+deb12u1' }], {
    severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N' }],
  }),
  // another distro / release: never matched on debian-12
  osv('CVE-2024-0008', 'openssl', [{ introduced: '0' }, { fixed: '3.3.2-r0' }], {}, 'Alpine:v3.20'),
  osv('CVE-2024-0009', 'openssl', [{ introduced: '0' }, { fixed: '3.5.1-1' }], {}, 'Debian:13'),
  // an exact `versions` list
  {
    id: 'CVE-2024-0010',
    modified: '2026-01-01T00:00:00Z',
    affected: [{ package: { ecosystem: 'Debian:12', name: 'zlib' }, versions: ['1:1.2.13.dfsg-1'] }],
  },
];

const TRACKER = {
  openssl: {
    'CVE-2024-0001': {
      releases: { bookworm: { status: 'resolved', fixed_version: '3.0.13-1~deb12u1', urgency: 'medium' } },
      description: 'duplicate of DSA-5600-1',
    },
  },
  tar: {
    'CVE-2005-2541': {
      releases: {
        bookworm: { status: 'open', urgency: 'unimportant' },
        trixie: { status: 'open', urgency: 'unimportant' },
      },
    },
  },
  curl: {
    'CVE-2024-0011': { releases: { bookworm: { status: 'resolved', fixed_version: '0', urgency: 'low' } } },
  },
  zlib: {
    'CVE-2024-0012': { releases: { bookworm: { status: 'undetermined', urgency: 'not yet assigned' } } },
  },
};

const VEX = {
  '@context': 'https://openvex.dev/ns/v0.2.0',
  '@id': 'https://example.invalid/vex-1',
  author: 'fixture',
  timestamp: '2026-02-01T00:00:00Z',
  version: 1,
  statements: [
    {
      vulnerability: { name: 'CVE-2025-0007' },
      products: [
        {
          '@id': 'pkg:oci/dhi%2Fapp',
          subcomponents: [{ '@id': 'pkg:deb/debian/libsqlite3-0@3.40.1-2?arch=amd64&os_version=12' }],
        },
      ],
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
    },
    {
      vulnerability: { name: 'CVE-2005-2541' },
      products: [{ '@id': 'pkg:deb/debian/tar' }],
      status: 'under_investigation',
    },
    // another image's statement: does not apply to dhi/app
    {
      vulnerability: { name: 'CVE-2024-0004' },
      products: [{ '@id': 'pkg:oci/other', subcomponents: [{ '@id': 'pkg:deb/debian/bind9' }] }],
      status: 'not_affected',
      justification: 'component_not_present',
    },
    // fixed: suppresses; affected: confirms (a package product by its source name)
    {
      vulnerability: { name: 'CVE-2024-0010' },
      products: [{ '@id': 'pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1' }],
      status: 'fixed',
      timestamp: '2026-02-02T00:00:00Z',
    },
    {
      vulnerability: { name: 'CVE-2024-0004' },
      products: [{ '@id': 'pkg:deb/debian/bind9' }],
      status: 'affected',
      action_statement: 'update bind9',
    },
    // invalid: not_affected without a justification or an impact statement
    { vulnerability: { name: 'CVE-2024-0005' }, products: [{ '@id': 'pkg:deb/debian/foo' }], status: 'not_affected' },
  ],
};

function loaded(): VulnDb {
  const db = new VulnDb();
  expect(loadOsvJson(db, OSV, 'fixture-osv')).toEqual({ records: 10, indexed: 10, skipped: 0, rejected: 0 });
  expect(loadTrackerJson(db, TRACKER, 'fixture-tracker')).toEqual({ packages: 4, issues: 4, entries: 4, rejected: 0 });
  expect(db.problems).toEqual([]);
  return db;
}

const common = { arch: 'amd64', knownExploited: false };

describe('scan', () => {
  it('gives exactly the expected findings of the fixture image', () => {
    expect(scan(loaded(), PACKAGES, 'debian-12')).toEqual([
      {
        ...common,
        id: 'CVE-2024-0004',
        aliases: [],
        package: 'bind9-libs',
        installed: '1:9.18.24-1',
        sourcePackage: 'bind9',
        sourceVersion: '1:9.18.24-1',
        fixedVersion: '1:9.18.28-1',
        fixable: true,
        severity: 'high',
        score: 7.5,
        source: 'osv',
        sources: ['osv'],
      },
      {
        ...common,
        id: 'CVE-2024-0005',
        aliases: [],
        package: 'libfoo1',
        installed: '2.0~rc1-1+b1',
        sourcePackage: 'foo',
        sourceVersion: '2.0~rc1-1',
        fixedVersion: '2.0-1',
        fixable: true,
        severity: 'unknown',
        source: 'osv',
        sources: ['osv'],
      },
      {
        ...common,
        id: 'CVE-2025-0007',
        aliases: [],
        package: 'libsqlite3-0',
        installed: '3.40.1-2',
        sourcePackage: 'sqlite3',
        sourceVersion: '3.40.1-2',
        fixedVersion: '3.40.1-2+deb12u1',
        fixable: true,
        severity: 'high',
        source: 'osv',
        sources: ['osv'],
      },
      {
        ...common,
        id: 'CVE-2024-0001',
        aliases: ['DSA-5600-1'],
        package: 'libssl3',
        installed: '3.0.11-1~deb12u2',
        sourcePackage: 'openssl',
        sourceVersion: '3.0.11-1~deb12u2',
        fixedVersion: '3.0.13-1~deb12u1',
        fixable: true,
        severity: 'critical',
        score: 9.8,
        knownExploited: true,
        source: 'osv',
        sources: ['osv', 'debian-tracker'],
      },
      {
        ...common,
        id: 'CVE-2005-2541',
        aliases: [],
        package: 'tar',
        installed: '1.34+dfsg-1.2+deb12u1',
        sourcePackage: 'tar',
        sourceVersion: '1.34+dfsg-1.2+deb12u1',
        fixable: false,
        severity: 'low',
        source: 'debian-tracker',
        sources: ['debian-tracker'],
      },
      {
        ...common,
        id: 'CVE-2024-0010',
        aliases: [],
        package: 'zlib1g',
        installed: '1:1.2.13.dfsg-1',
        sourcePackage: 'zlib',
        sourceVersion: '1:1.2.13.dfsg-1',
        fixable: false,
        severity: 'unknown',
        source: 'osv',
        sources: ['osv'],
      },
      {
        ...common,
        id: 'CVE-2024-0012',
        aliases: [],
        package: 'zlib1g',
        installed: '1:1.2.13.dfsg-1',
        sourcePackage: 'zlib',
        sourceVersion: '1:1.2.13.dfsg-1',
        fixable: false,
        severity: 'unknown',
        source: 'debian-tracker',
        sources: ['debian-tracker'],
      },
    ]);
  });

  it('reads another release only through its own entries', () => {
    const findings = scan(
      loaded(),
      [
        { name: 'libssl3', version: '3.5.0-1', arch: 'arm64', source: 'openssl' },
        { name: 'tar', version: '1.35+dfsg-3', arch: 'arm64' },
      ],
      'debian-13',
    );
    expect(findings.map((f) => `${f.package} ${f.id} ${f.fixedVersion ?? '-'}`)).toEqual([
      'libssl3 CVE-2024-0009 3.5.1-1',
      'tar CVE-2005-2541 -',
    ]);
  });

  it('reads Alpine advisories in apk order on an Alpine release', () => {
    const findings = scan(
      loaded(),
      [
        { name: 'libssl3', version: '3.3.1-r0', arch: 'x86_64', source: 'openssl' },
        { name: 'openssl', version: '3.3.2-r0', arch: 'x86_64' },
      ],
      'alpine-3.20',
    );
    expect(findings.map((f) => `${f.package} ${f.id} ${f.fixedVersion ?? '-'}`)).toEqual([
      'libssl3 CVE-2024-0008 3.3.2-r0',
    ]);
  });

  it('applies VEX: not_affected suppresses, under_investigation marks, other images and invalid statements do not count', () => {
    const doc = parseOpenVex(VEX, 'fixture.vex.json');
    expect(doc.statements).toHaveLength(5);
    expect(doc.invalid.map((e) => e.message)).toEqual([
      'fixture.vex.json statements[5]: a not_affected statement of CVE-2024-0005 has neither a justification nor an impact_statement (OpenVEX requires one)',
    ]);
    const { findings, suppressed } = applyVex(scan(loaded(), PACKAGES, 'debian-12'), [doc], { name: 'dhi/app' });
    expect(suppressed.map((s) => [s.finding.package, s.finding.id, s.vex.status, s.vex.justification])).toEqual([
      ['libsqlite3-0', 'CVE-2025-0007', 'not_affected', 'vulnerable_code_not_in_execute_path'],
      ['zlib1g', 'CVE-2024-0010', 'fixed', undefined],
    ]);
    expect(findings.map((f) => `${f.package} ${f.id} ${f.vex?.status ?? '-'}`)).toEqual([
      'bind9-libs CVE-2024-0004 affected',
      'libfoo1 CVE-2024-0005 -',
      'libssl3 CVE-2024-0001 -',
      'tar CVE-2005-2541 under_investigation',
      'zlib1g CVE-2024-0012 -',
    ]);
    expect(findings[0]?.vex).toEqual({
      status: 'affected',
      actionStatement: 'update bind9',
      timestamp: '2026-02-01T00:00:00Z',
      where: 'fixture.vex.json statements[4]',
    });
  });

  it('emits one deterministic OpenVEX document per image', () => {
    const { findings, suppressed } = applyVex(
      scan(loaded(), PACKAGES, 'debian-12'),
      [parseOpenVex(VEX, 'fixture.vex.json')],
      { name: 'dhi/app' },
    );
    const digest = `sha256:${'ab'.repeat(32)}`;
    // a finding of the previous image that the patch fixed
    const fixed = [{ ...(findings[0] as (typeof findings)[number]), id: 'CVE-2023-9999', aliases: [] }];
    const input = {
      image: { name: 'registry.example/dhi/app', digest, tag: '1.0' },
      distro: 'debian-12',
      findings,
      fixed,
      timestamp: '2026-03-01T00:00:00Z',
    };
    const doc = emitImageVex(input) as NonNullable<ReturnType<typeof emitImageVex>>;
    expect(emitImageVex(input)).toEqual(doc);
    expect(suppressed).toHaveLength(2);
    expect(doc['@context']).toBe('https://openvex.dev/ns/v0.2.0');
    expect(doc['@id']).toMatch(/^https:\/\/openvex\.dev\/docs\/public\/vex-[0-9a-f]{64}$/);
    const product = `pkg:oci/app@sha256%3A${'ab'.repeat(32)}?repository_url=registry.example%2Fdhi%2Fapp&tag=1.0`;
    expect(
      doc.statements.map((s) => [
        s.status,
        s.vulnerability.name,
        s.products[0]?.['@id'] === product,
        s.products[0]?.subcomponents?.map((c) => c['@id']),
      ]),
    ).toEqual([
      [
        'under_investigation',
        'CVE-2005-2541',
        true,
        ['pkg:deb/debian/tar@1.34%2Bdfsg-1.2%2Bdeb12u1?arch=amd64&distro=debian-12'],
      ],
      ['fixed', 'CVE-2023-9999', true, ['pkg:deb/debian/bind9-libs@1%3A9.18.24-1?arch=amd64&distro=debian-12']],
      ['affected', 'CVE-2024-0001', true, ['pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12']],
      ['affected', 'CVE-2024-0004', true, ['pkg:deb/debian/bind9-libs@1%3A9.18.24-1?arch=amd64&distro=debian-12']],
      ['affected', 'CVE-2024-0005', true, ['pkg:deb/debian/libfoo1@2.0~rc1-1%2Bb1?arch=amd64&distro=debian-12']],
      ['affected', 'CVE-2024-0012', true, ['pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12']],
    ]);
    expect(doc.statements.find((s) => s.vulnerability.name === 'CVE-2024-0001')).toMatchObject({
      action_statement: 'update libssl3 to 3.0.13-1~deb12u1 or later.',
      vulnerability: { aliases: ['DSA-5600-1'] },
      timestamp: '2026-03-01T00:00:00Z',
    });
    expect(() => emitImageVex({ ...input, image: { name: 'app', digest: 'latest' } })).toThrow(
      'image.digest: expected sha256:<64 hex>, got "latest"',
    );
  });
});
