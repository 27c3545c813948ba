import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OsvAdvisorySchema, upstreamEventId } from '@patch-factory/contracts';
import { repoRoot } from '@patch-factory/testing';
import { advisoryEvents } from './advisory-events';

const OSV_DIR = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-advisories', 'osv');

describe('advisoryEvents', () => {
  it('turns each fixed Debian or Alpine package version into an event with the advisory severity', () => {
    const osv = OsvAdvisorySchema.parse({
      id: 'CVE-2026-0001',
      modified: '2026-11-01T00:00:00Z',
      database_specific: { severity: 'High' },
      affected: [
        {
          package: { ecosystem: 'Debian:13', name: 'openssl' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.5.1-1' }] }],
        },
        {
          package: { ecosystem: 'Alpine:v3.22', name: 'busybox', purl: 'pkg:apk/alpine/busybox' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.37.0-r19' }] }],
          database_specific: { severity: 'moderate' },
        },
        {
          package: { ecosystem: 'DHI', name: 'node', purl: 'pkg:dhi/node' },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '20.0.0' }, { fixed: '20.15.1' }] }],
        },
        {
          package: { ecosystem: 'Debian:13', name: 'curl' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
        },
        {
          package: { ecosystem: 'Debian:13', name: 'evil' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '1.0;rm -rf /' }] }],
        },
      ],
    });
    const plan = advisoryEvents(osv, 42);
    expect(plan.events).toEqual([
      {
        id: upstreamEventId(
          { kind: 'advisory', advisory: 'CVE-2026-0001', from: 'api' },
          { source: 'osv', ref: 'pkg:deb/debian/openssl', version: '3.5.1-1' },
        ),
        source: 'osv',
        ref: 'pkg:deb/debian/openssl',
        version: '3.5.1-1',
        advisory: 'CVE-2026-0001',
        severity: 'high',
        firstSeenAt: 42,
      },
      {
        id: upstreamEventId(
          { kind: 'advisory', advisory: 'CVE-2026-0001', from: 'api' },
          { source: 'osv', ref: 'pkg:apk/alpine/busybox', version: '1.37.0-r19' },
        ),
        source: 'osv',
        ref: 'pkg:apk/alpine/busybox',
        version: '1.37.0-r19',
        advisory: 'CVE-2026-0001',
        severity: 'medium',
        firstSeenAt: 42,
      },
    ]);
    expect(plan.unpatchable.map((u) => [u.package, u.reason])).toEqual([
      ['pkg:dhi/node', 'ecosystem DHI has no package the catalog pins'],
      ['Debian:13/curl', 'no fixed version yet'],
      ['Debian:13/evil', 'fixed version "1.0;rm -rf /" is not a version'],
    ]);
  });

  it('derives event ids from the advisory, its source, the package and the version: readable, and never the same across sources', () => {
    const osv = OsvAdvisorySchema.parse({
      id: 'DSA-9999-1',
      modified: '2026-11-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'Debian:12', name: 'openssl', purl: 'pkg:deb/debian/openssl?arch=source' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.15-1~deb12u1' }] }],
        },
      ],
    });
    const [fromFeed] = advisoryEvents(osv, 0, 'osv_feed:debian').events;
    const [fromApi] = advisoryEvents(osv, 0, 'api').events;
    expect(fromFeed?.id).toMatch(/^advisory:DSA-9999-1.deb.debian.openssl.3.0.15-1.deb12u1:[0-9a-f]{32}$/);
    expect(fromFeed?.ref).toBe('pkg:deb/debian/openssl');
    expect(fromApi?.id).not.toBe(fromFeed?.id);
    expect(advisoryEvents(osv, 99, 'osv_feed:debian').events[0]?.id).toBe(fromFeed?.id);
  });

  it('reads every real OSV advisory of the corpus and reports its image-level entries as not patchable to a package', () => {
    let files = 0;
    for (const dir of readdirSync(OSV_DIR)) {
      for (const name of readdirSync(join(OSV_DIR, dir)).filter((n) => n.endsWith('.json'))) {
        const osv = OsvAdvisorySchema.parse(JSON.parse(readFileSync(join(OSV_DIR, dir, name), 'utf8')));
        const plan = advisoryEvents(osv, 0);
        expect(plan.events.length + plan.unpatchable.length).toBeGreaterThanOrEqual(osv.affected.length > 0 ? 1 : 0);
        files++;
      }
    }
    expect(files).toBeGreaterThan(600);
  });
});
