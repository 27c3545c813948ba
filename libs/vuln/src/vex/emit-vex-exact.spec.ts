import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../match';
import { applyVex, type VexImage, type VexOutcome } from './apply-vex';
import { emitImageVex } from './emit-vex';
import { parseOpenVex } from './openvex-parse';
import { openVexValidator } from '@patch-factory/testing';

/** The published OpenVEX says every statement that applied, and says it exactly (issue 15). */

const DIGEST = `sha256:${'cd'.repeat(32)}`;
const NOW = '2026-12-07T15:00:00.000Z';
const valid = openVexValidator();

const finding = (id: string, pkg: string, extra: Partial<Finding> = {}): Finding => ({
  id,
  aliases: [],
  package: pkg,
  installed: '1.0-1',
  arch: 'amd64',
  sourcePackage: pkg,
  sourceVersion: '1.0-1',
  fixable: false,
  severity: 'high',
  knownExploited: false,
  source: 'osv',
  sources: ['osv'],
  ...extra,
});

/** What a report says of each finding: standing (affected, or as a statement marked it) or suppressed, with why. */
function verdicts(o: VexOutcome): string[] {
  const said = (
    f: Finding,
    v: { status: string; justification?: string; impactStatement?: string } | undefined,
    standing: boolean,
  ) =>
    [
      standing ? 'stands' : 'suppressed',
      f.id,
      f.package,
      f.arch,
      v?.status ?? 'affected',
      v?.justification ?? '-',
      v?.impactStatement ?? '-',
    ].join(' ');
  return [
    ...o.findings.map((f) => said(f, f.vex, true)),
    ...o.suppressed.map((s) => said(s.finding, s.vex, false)),
  ].sort();
}

/** The image's VEX, emitted from the factory's report, read back by the project's reader and applied to the raw findings. */
function roundTrip(
  raw: Finding[],
  report: VexOutcome,
  image: VexImage & { digest: string },
  distro: string,
  fixed: Finding[] = [],
) {
  const doc = emitImageVex({
    image,
    distro,
    findings: report.findings,
    suppressed: report.suppressed,
    fixed,
    timestamp: NOW,
  });
  if (!doc) throw new Error('no document');
  expect(valid(doc)).toEqual([]);
  const read = parseOpenVex(JSON.parse(JSON.stringify(doc)), 'vex.json');
  expect(read.invalid).toEqual([]);
  return { doc, applied: applyVex(raw, [read], { ...image, distro }) };
}

describe('the image OpenVEX carries every statement that applied', () => {
  const raw = [
    finding('CVE-2024-1000', 'libssl3', { sourcePackage: 'openssl', fixedVersion: '1.0-2', fixable: true }),
    finding('CVE-2024-1000', 'libssl3', {
      sourcePackage: 'openssl',
      arch: 'arm64',
      fixedVersion: '1.0-2',
      fixable: true,
    }),
    finding('CVE-2024-2000', 'tzdata', { arch: 'all' }),
    finding('CVE-2024-3000', 'bash'),
    finding('CVE-2024-4000', 'zlib1g', { aliases: ['DSA-1-1'] }),
    finding('CVE-2024-5000', 'tar'),
    finding('CVE-2024-6000', 'perl-base'),
  ];
  const catalog = parseOpenVex(
    {
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://vex.example.org/app',
      author: 'the catalog',
      timestamp: '2026-01-01T00:00:00Z',
      version: 1,
      statements: [
        {
          vulnerability: { name: 'CVE-2024-2000' },
          products: [{ '@id': 'pkg:deb/debian/tzdata' }],
          status: 'not_affected',
          justification: 'component_not_present',
          impact_statement: 'data only',
        },
        {
          vulnerability: { name: 'CVE-2024-3000' },
          timestamp: '2026-02-03T04:05:06Z',
          products: [{ '@id': 'pkg:oci/app', subcomponents: [{ '@id': 'pkg:deb/debian/bash' }] }],
          status: 'not_affected',
          impact_statement: 'bash is never run',
        },
        {
          vulnerability: { name: 'DSA-1-1' },
          products: [{ '@id': 'pkg:deb/debian/zlib1g' }],
          status: 'under_investigation',
          status_notes: 'reproducing',
        },
        {
          vulnerability: { name: 'CVE-2024-5000' },
          products: [{ '@id': 'pkg:deb/debian/tar' }],
          status: 'affected',
          action_statement: 'do not extract untrusted archives',
        },
        {
          vulnerability: { name: 'CVE-2024-6000' },
          products: [{ '@id': 'pkg:deb/debian/perl-base@1.0-1' }],
          status: 'fixed',
        },
      ],
    },
    'catalog.vex.json',
  );
  const image = { name: '127.0.0.1:5000/team/app:1', digest: DIGEST };
  const report = applyVex(raw, [catalog], { ...image, distro: 'debian-12' });

  it('applied to the raw findings by the reader, it gives the factory report: not_affected, fixed, affected, under_investigation', () => {
    expect(report.suppressed).toHaveLength(3);
    const gone = finding('CVE-2023-0001', 'libexpat1');
    const { doc, applied } = roundTrip(raw, report, image, 'debian-12', [gone]);
    expect(verdicts(applied)).toEqual(verdicts(report));
    expect(
      doc.statements.map((s) => [
        s.vulnerability.name,
        s.status,
        s.justification ?? '-',
        s.impact_statement ?? '-',
        s.action_statement ?? '-',
        s.status_notes ?? '-',
      ]),
    ).toEqual([
      ['CVE-2023-0001', 'fixed', '-', '-', '-', '-'],
      ['CVE-2024-1000', 'affected', '-', '-', 'update libssl3 to 1.0-2 or later.', '-'],
      ['CVE-2024-2000', 'not_affected', 'component_not_present', 'data only', '-', '-'],
      ['CVE-2024-3000', 'not_affected', '-', 'bash is never run', '-', '-'],
      ['CVE-2024-4000', 'under_investigation', '-', '-', '-', 'reproducing'],
      ['CVE-2024-5000', 'affected', '-', '-', 'do not extract untrusted archives', '-'],
      ['CVE-2024-6000', 'fixed', '-', '-', '-', '-'],
    ]);
    expect(
      doc.statements
        .find((s) => s.vulnerability.name === 'CVE-2024-1000')
        ?.products[0]?.subcomponents?.map((c) => c['@id']),
    ).toEqual([
      'pkg:deb/debian/libssl3@1.0-1?arch=amd64&distro=debian-12',
      'pkg:deb/debian/libssl3@1.0-1?arch=arm64&distro=debian-12',
    ]);
  });

  it('is timed when the statements were made: the document now, a repeated catalog statement at its own time', () => {
    const { doc } = roundTrip(raw, report, image, 'debian-12');
    expect(doc.timestamp).toBe(NOW);
    const at = (id: string) => doc.statements.find((s) => s.vulnerability.name === id)?.timestamp;
    expect([at('CVE-2024-1000'), at('CVE-2024-2000'), at('CVE-2024-3000')]).toEqual([
      NOW,
      '2026-01-01T00:00:00.000Z',
      '2026-02-03T04:05:06.000Z',
    ]);
  });

  it('an image with nothing to state publishes no document (OpenVEX requires a statement; an empty one is invalid by the schema)', () => {
    expect(
      emitImageVex({ image, distro: 'debian-12', findings: [], suppressed: [], fixed: [], timestamp: NOW }),
    ).toBeUndefined();
    const empty = {
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://openvex.dev/docs/public/vex-x',
      author: 'patch-factory',
      timestamp: NOW,
      version: 1,
      tooling: 'patch-factory',
      statements: [],
    };
    expect(valid(empty)).toEqual(['/statements must NOT have fewer than 1 items']);
  });

  it('round-trips the real catalog VEX of dhi/redis (Debian 13) for the systemd packages it speaks of', () => {
    const path = join(__dirname, '../../../../../shared/corpus/dhi-advisories/vex/redis/dhi-redis.vex.json');
    const real = parseOpenVex(JSON.parse(readFileSync(path, 'utf8')), 'dhi-redis.vex.json');
    const names = [...new Set(real.statements.flatMap((s) => s.names))].sort();
    const systemd = { sourcePackage: 'systemd', sourceVersion: '257.8-1~deb13u2', installed: '257.8-1~deb13u2' };
    const rawRedis = names.flatMap((id) => [finding(id, 'libsystemd0', systemd), finding(id, 'libudev1', systemd)]);
    const redis = { name: 'registry.example:5000/dhi/redis:8', digest: DIGEST };
    const catalogSays = applyVex(rawRedis, [real], { ...redis, distro: 'debian-13' });
    expect(catalogSays.suppressed.length).toBeGreaterThan(0);
    const { applied } = roundTrip(rawRedis, catalogSays, redis, 'debian-13');
    expect(verdicts(applied)).toEqual(verdicts(catalogSays));
    // its systemd@…?os_distro=trixie&os_name=debian&os_version=13 product is not about a Debian 12 image
    const systemdOnly = rawRedis.map((f) => ({ ...f, package: 'systemd' }));
    expect(applyVex(systemdOnly, [real], { ...redis, distro: 'debian-13' }).suppressed.length).toBeGreaterThan(0);
    expect(applyVex(systemdOnly, [real], { ...redis, distro: 'debian-12' }).suppressed).toEqual([]);
  });
});
