import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { UpstreamEventSchema, type UpstreamEvent } from '@patch-factory/contracts';
import { DEFAULT_AUTO_MERGE_POLICY, autoMergeRuleFor, type AutoMergePolicy } from '@patch-factory/forge';
import { AdvisoryRepository } from '@patch-factory/store';
import { dropPrefix, sharedRedisUrl, startCustomAptRepo, testPrefix, type CustomAptRepo } from '@patch-factory/testing';
import { createSource } from '../source-registry';
import type { Observation } from '../source';
import { createAdvisoryFeed } from './feed-registry';
import {
  securitySuiteMarkOf,
  UNASSESSED_SECURITY_SEVERITY,
  withSecurityUpdateSeverity,
} from './security-update-severity';
import { keepUnfixedAdvisory } from './unfixed-advisory';

/**
 * A Debian security suite's update, from a real signed APT repository to the severity the
 * planner and the auto-merge policy see, against advisories the Debian tracker feed read
 * (the tracker's JSON format) and kept in a real Redis as the advisory poller keeps them.
 */
describe('security suite updates', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  const advisories = new AdvisoryRepository(redis, prefix);
  const signal = new AbortController().signal;
  let repo: CustomAptRepo;
  let dir: string;

  const stanza = (Package: string, Version: string, extra: Record<string, string> = {}) => ({
    deb: Buffer.from(`${Package} ${Version}`),
    stanza: {
      Package,
      Version,
      Architecture: 'amd64',
      Maintainer: 'PF <pf@example.test>',
      Description: 'test',
      ...extra,
    },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-security-'));
    repo = await startCustomAptRepo({
      suite: 'bookworm-security',
      packages: [
        // a binary of another name than its source (advisories name source packages)
        stanza('libssl3', '3.0.17-1~deb12u3', { Source: 'openssl' }),
        // a binNMU: the binary's version is not the source's
        stanza('libxml2', '2.9.14+dfsg-1.3~deb12u2+b1', { Source: 'libxml2 (2.9.14+dfsg-1.3~deb12u2)' }),
        stanza('zlib1g', '1:1.2.13.dfsg-1+deb12u1', { Source: 'zlib' }),
        stanza('tzdata', '2026a-0+deb12u1'),
      ],
    });
    // The tracker's JSON export, as it is: issues per source package, releases per code name.
    const tracker = {
      openssl: {
        'CVE-2026-3001': {
          description: 'a fix in the security suite',
          releases: {
            bookworm: {
              status: 'resolved',
              fixed_version: '3.0.17-1~deb12u3',
              urgency: 'high',
              repositories: { bookworm: '3.0.16-1~deb12u1', 'bookworm-security': '3.0.17-1~deb12u3' },
            },
          },
        },
        'CVE-2026-3002': {
          description: 'fixed by the same update, lower',
          releases: {
            bookworm: { status: 'resolved', fixed_version: '3.0.17-1~deb12u3', urgency: 'low', repositories: {} },
          },
        },
        'CVE-2026-3003': {
          description: 'fixed earlier',
          releases: {
            bookworm: { status: 'resolved', fixed_version: '3.0.15-1~deb12u1', urgency: 'high', repositories: {} },
          },
        },
        'CVE-2026-3004': {
          description: 'still open',
          releases: { bookworm: { status: 'open', urgency: 'medium', repositories: { bookworm: '3.0.16-1~deb12u1' } } },
        },
      },
      libxml2: {
        'CVE-2026-3010': {
          description: "fixed by the binNMU's source",
          releases: {
            bookworm: {
              status: 'resolved',
              fixed_version: '2.9.14+dfsg-1.3~deb12u2',
              urgency: 'medium',
              repositories: {},
            },
          },
        },
      },
      zlib: {
        // fixed at this version, but in another release (trixie): not this update
        'CVE-2026-3020': {
          description: 'elsewhere',
          releases: {
            trixie: { status: 'resolved', fixed_version: '1:1.2.13.dfsg-1+deb12u1', urgency: 'high', repositories: {} },
          },
        },
        // fixed at this version, the urgency not yet assigned
        'CVE-2026-3021': {
          description: 'unassessed',
          releases: {
            bookworm: {
              status: 'resolved',
              fixed_version: '1:1.2.13.dfsg-1+deb12u1',
              urgency: 'not yet assigned',
              repositories: {},
            },
          },
        },
      },
    };
    writeFileSync(join(dir, 'tracker.json'), JSON.stringify(tracker));
    const feed = createAdvisoryFeed('debian_tracker');
    for (const release of [
      { release: 'bookworm', version: '12' },
      { release: 'trixie', version: '13' },
    ]) {
      const read = await feed.read(
        feed.parseConfig({ type: 'debian_tracker', location: join(dir, 'tracker.json'), ...release }),
        {},
        signal,
      );
      for (const osv of read.advisories) {
        // as the advisory poller keeps them: a fixed one recorded, an open one as a document only
        if (osv.affected.some((a) => a.ranges?.some((r) => r.events.some((e) => e.fixed))))
          await advisories.record(osv, 1_000, { source: 'test-feed' });
        else expect(await keepUnfixedAdvisory(advisories, osv, { source: 'test-feed' })).toEqual([]);
      }
    }
  }, 120_000);
  afterAll(async () => {
    await repo?.close();
    rmSync(dir, { recursive: true, force: true });
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  /** What the debian_package source reports for one package of the security suite. */
  async function observed(pkg: string): Promise<Observation> {
    const source = createSource('debian_package');
    const config = source.parseConfig({
      type: 'debian_package',
      package: `pkg:deb/debian/${pkg}`,
      set: 'VERSION',
      repository: `${repo.baseUrl}/`,
      suite: 'bookworm-security',
      keyring: join(repo.keyringDir, repo.keyringName),
    });
    const result = await source.poll(config, {}, signal);
    expect(result.rejected).toEqual([]);
    expect(result.observations).toHaveLength(1);
    return result.observations[0] as Observation;
  }

  /** The event the watch poller makes of it (its fields, checked by the contract). */
  const eventOf = (o: Observation): UpstreamEvent =>
    UpstreamEventSchema.parse({
      id: `debian_package:${o.ref}@${o.version}`.replace(/[^A-Za-z0-9._:-]/g, '.'),
      source: 'debian-package',
      ref: o.ref,
      version: o.version,
      ...(o.security ? { security: o.security } : {}),
      firstSeenAt: 1_000,
    });

  it('marks what the security suite publishes with its source package and source version', async () => {
    expect((await observed('libssl3')).security).toEqual({
      suite: 'bookworm-security',
      sourcePackage: 'openssl',
      sourceVersion: '3.0.17-1~deb12u3',
    });
    expect((await observed('libxml2')).security).toEqual({
      suite: 'bookworm-security',
      sourcePackage: 'libxml2',
      sourceVersion: '2.9.14+dfsg-1.3~deb12u2',
    });
    expect((await observed('tzdata')).security).toEqual({
      suite: 'bookworm-security',
      sourcePackage: 'tzdata',
      sourceVersion: '2026a-0+deb12u1',
    });
    // another suite: no mark; a Source: field that does not check: the binary's own name and version
    expect(securitySuiteMarkOf('bookworm-updates', { Package: 'tzdata', Version: '2026a-0+deb12u1' })).toBeUndefined();
    expect(
      securitySuiteMarkOf('bookworm-security', { Package: 'x', Version: '1.0-1', Source: 'Bad Name; rm -rf /' }),
    ).toEqual({ suite: 'bookworm-security', sourcePackage: 'x', sourceVersion: '1.0-1' });
  });

  it('an update with a matching tracker record takes its severity (the highest of the records it fixes) and its advisory', async () => {
    const event = await withSecurityUpdateSeverity(eventOf(await observed('libssl3')), advisories);
    expect(event).toMatchObject({
      severity: 'high',
      advisory: 'CVE-2026-3001',
      ref: 'pkg:deb/debian/libssl3',
      version: '3.0.17-1~deb12u3',
    });
    expect(UpstreamEventSchema.parse(event)).toEqual(event);
    // a binNMU is matched by its source version
    expect(await withSecurityUpdateSeverity(eventOf(await observed('libxml2')), advisories)).toMatchObject({
      severity: 'medium',
      advisory: 'CVE-2026-3010',
    });
  });

  it('an update no record assesses is a security update: not none, so neither soaked nor merged as a plain update', async () => {
    // no record at all
    const plain = await withSecurityUpdateSeverity(eventOf(await observed('tzdata')), advisories);
    expect(plain.severity).toBe(UNASSESSED_SECURITY_SEVERITY);
    expect(plain.advisory).toBeUndefined();
    // a record of this version whose urgency is not assigned (the other release's record does not count)
    const zlib = await withSecurityUpdateSeverity(eventOf(await observed('zlib1g')), advisories);
    expect(zlib).toMatchObject({ severity: UNASSESSED_SECURITY_SEVERITY, advisory: 'CVE-2026-3021' });
    // The auto-merge policy sees a security fix: a policy that merges medium fixes and not
    // plain updates merges it; the default waits for a person, as for any medium fix.
    const policy: AutoMergePolicy = { ...DEFAULT_AUTO_MERGE_POLICY, medium: { autoMerge: true, method: 'squash' } };
    expect(autoMergeRuleFor(policy, plain.severity ?? 'none').autoMerge).toBe(true);
    expect(autoMergeRuleFor(policy, 'none').autoMerge).toBe(false);
    expect(plain.severity).not.toBe('none');
  });

  it('leaves plain updates and events that have a severity as they are; an advisory fix with none is security', async () => {
    const base = {
      id: 'e1',
      source: 'debian-package',
      ref: 'pkg:deb/debian/tzdata',
      version: '2026a-0+deb12u1',
      firstSeenAt: 1,
    };
    expect(await withSecurityUpdateSeverity(base, advisories)).toEqual(base);
    const rated = {
      ...base,
      severity: 'low' as const,
      security: { suite: 'bookworm-security', sourcePackage: 'openssl', sourceVersion: '3.0.17-1~deb12u3' },
    };
    expect(await withSecurityUpdateSeverity(rated, advisories)).toEqual(rated);
    expect(await withSecurityUpdateSeverity({ ...base, advisory: 'DSA-9999-1' }, advisories)).toEqual({
      ...base,
      advisory: 'DSA-9999-1',
      severity: UNASSESSED_SECURITY_SEVERITY,
    });
  });

  it('keeps the open tracker issue for the scan, and no record that would start its fix clock', async () => {
    const ids: string[] = [];
    for await (const doc of advisories.documents()) ids.push(doc.id);
    expect(ids).toContain('CVE-2026-3004');
    expect(await advisories.get('CVE-2026-3004')).toBeUndefined();
  });
});
