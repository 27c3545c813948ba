import { loadOsvJson, VulnDb } from '@patch-factory/vuln';
import { rescanBaseline } from './baseline-rescan';
import { diffScans, type ComparableReport, type ScanFinding } from './scan-report';

/** "fixed" is exact: the previous image vulnerable under today's advisories, this one not (issue 15). */

const osv = (id: string, pkg: string, fixed: string) => ({
  id,
  modified: '2026-01-01T00:00:00Z',
  affected: [
    {
      package: { ecosystem: 'Debian:12', name: pkg },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
    },
  ],
});

const platform = (packages: ComparableReport['platforms'][number]['packages']) => ({
  platform: 'linux/amd64',
  distro: 'debian-12',
  packages,
});
const stale = (id: string, pkg: string, installed: string): ScanFinding =>
  ({
    id,
    aliases: [],
    package: pkg,
    installed,
    arch: 'amd64',
    sourcePackage: pkg,
    sourceVersion: installed,
    fixable: true,
    fixedVersion: 'x',
    severity: 'high',
    knownExploited: false,
    source: 'osv',
    sources: ['osv'],
    platform: 'linux/amd64',
  }) as ScanFinding;

describe('the diff rescans the previous image under today’s advisories', () => {
  // Today: openssl is fixed in 3.0.15-1~deb12u1 (libssl3 is its binary), tzdata in 2025b-0+deb12u1. The advisory of
  // zlib that the previous report stored has been withdrawn.
  const db = new VulnDb();
  loadOsvJson(
    db,
    [osv('CVE-2026-0001', 'openssl', '3.0.15-1~deb12u1'), osv('CVE-2026-0002', 'tzdata', '2025b-0+deb12u1')],
    'today.json',
  );
  // The previous image, as stored: its packages, and the findings its scan found back then (before CVE-2026-0002 was published).
  const previous: ComparableReport = {
    platforms: [
      platform([
        {
          name: 'libssl3',
          version: '3.0.14-1~deb12u1',
          arch: 'amd64',
          source: 'openssl',
          sourceVersion: '3.0.14-1~deb12u1',
        },
        { name: 'tzdata', version: '2025a-0+deb12u1', arch: 'all', source: 'tzdata', sourceVersion: '2025a-0+deb12u1' },
        { name: 'zlib1g', version: '1:1.2.13.dfsg-1', arch: 'amd64', source: 'zlib', sourceVersion: '1:1.2.13.dfsg-1' },
      ]),
    ],
    findings: [
      stale('CVE-2026-0001', 'libssl3', '3.0.14-1~deb12u1'),
      stale('CVE-2020-9999', 'zlib1g', '1:1.2.13.dfsg-1'),
    ],
  };
  // This image: openssl updated; tzdata not.
  const current: ComparableReport = {
    platforms: [
      platform([
        {
          name: 'libssl3',
          version: '3.0.15-1~deb12u1',
          arch: 'amd64',
          source: 'openssl',
          sourceVersion: '3.0.15-1~deb12u1',
        },
        { name: 'tzdata', version: '2025a-0+deb12u1', arch: 'all', source: 'tzdata', sourceVersion: '2025a-0+deb12u1' },
      ]),
    ],
    findings: [stale('CVE-2026-0002', 'tzdata', '2025a-0+deb12u1')],
  };

  it('rescans the stored package list (by source package) against today’s database', () => {
    const rescan = rescanBaseline(previous, db, [], { name: 'examples/app' });
    expect(rescan.problems).toEqual([]);
    expect(rescan.findings.map((f) => [f.id, f.package, f.platform]).sort()).toEqual([
      ['CVE-2026-0001', 'libssl3', 'linux/amd64'],
      ['CVE-2026-0002', 'tzdata', 'linux/amd64'],
    ]);
  });

  it('fixed: what the previous image has today and this one has not; withdrawn: what only the stale report had', () => {
    const diff = diffScans(current, previous, rescanBaseline(previous, db, [], { name: 'examples/app' }).findings);
    expect(diff.fixed.map((f) => f.id)).toEqual(['CVE-2026-0001']);
    expect(diff.withdrawn?.map((f) => [f.id, f.package])).toEqual([['CVE-2020-9999', 'zlib1g']]);
    // tzdata's advisory came after the previous scan: `new` still compares with the stored report (what the gate let through).
    expect(diff.new.map((f) => f.id)).toEqual(['CVE-2026-0002']);
  });

  it('a stored report whose package list the matcher refuses is a problem, not a crash, and fixes nothing', () => {
    const hostile: ComparableReport = {
      platforms: [
        {
          platform: 'linux/amd64',
          distro: 'debian-12',
          packages: [{ name: 'x', version: 7 } as unknown as { name: string; version: string; arch: string }],
        },
      ],
      findings: [],
    };
    const rescan = rescanBaseline(hostile, db, [], { name: 'examples/app' });
    expect(rescan.findings).toEqual([]);
    expect(rescan.problems).toHaveLength(1);
    expect(rescan.problems[0]).toMatch(/^linux\/amd64: /);
  });
});
