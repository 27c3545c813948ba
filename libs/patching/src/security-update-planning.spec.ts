import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { OsvAdvisorySchema, type UpstreamEvent } from '@patch-factory/contracts';
import { DEFAULT_AUTO_MERGE_POLICY, autoMergeRuleFor } from '@patch-factory/forge';
import { UNASSESSED_SECURITY_SEVERITY } from '@patch-factory/sources';
import { AdvisoryRepository, PatchRequestRepository } from '@patch-factory/store';
import { repoRoot, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { startPlannerFixture, type PlannerFixture } from './planner.fixture';
import { UpstreamPlanner } from './upstream-planner.service';

const FILE = 'image/regctl/alpine-3.23/0.yaml';
const SOAKED = 'image/slow/alpine-3.23/0.yaml';

/** A real catalog definition (the corpus) following a GitHub release into VERSION. */
function trackedDefinition(): string {
  const text = readFileSync(join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog', FILE), 'utf8');
  return (
    text.replace('  VERSION: 0.11.5-r6\n', '  VERSION: v0.11.5\n') +
    [
      'track:',
      '  - type: github_release',
      '    owner: upstream',
      '    repo: tool',
      '    set:',
      '      - var: VERSION',
      '        value: tag',
      '',
    ].join('\n')
  );
}

/**
 * The planner (real Redis, a real git catalog) on an update published in a security suite:
 * it is not held back by the soak rules as a plain update is, and its patch requests carry the
 * severity of the stored advisory that fixes it, or the security update's own, never `none`.
 */
describe('UpstreamPlanner and security suite updates', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  const requests = new PatchRequestRepository(redis, prefix);
  const advisories = new AdvisoryRepository(redis, prefix);
  let planner: UpstreamPlanner;

  let fx: PlannerFixture;

  beforeAll(() => {
    fx = startPlannerFixture(redis, prefix, { [FILE]: trackedDefinition(), [SOAKED]: trackedDefinition() }, [
      { definitions: 'image/', minReleaseAgeMs: 3_600_000 },
    ]);
    ({ planner } = fx);
  });
  afterAll(async () => {
    await fx?.close();
  });

  const event = (id: string, version: string, security?: UpstreamEvent['security']): UpstreamEvent => ({
    id,
    source: 'debian-package',
    ref: 'upstream/tool',
    version,
    vars: { VERSION: `v${version}` },
    ...(security ? { security } : {}),
    firstSeenAt: Date.now(),
  });

  it('holds the plain update back, plans the security one at once as a security fix', async () => {
    const plain = event('plain-0.11.6', '0.11.6');
    await requests.saveEvent(plain);
    const held = await planner.plan(plain.id);
    expect(held.requests).toEqual([]);
    expect(held.soaking).toHaveLength(2);

    const marked = event('security-0.11.7', '0.11.7', {
      suite: 'bookworm-security',
      sourcePackage: 'tool',
      sourceVersion: '0.11.7',
    });
    await requests.saveEvent(marked);
    const planned = await planner.plan(marked.id);
    expect(planned.soaking).toEqual([]);
    expect(planned.requests).toHaveLength(2);
    for (const r of planned.requests) {
      const stored = await requests.get(r.id);
      expect(stored?.severity).toBe(UNASSESSED_SECURITY_SEVERITY);
      expect(stored?.advisory).toBeUndefined();
      // the auto-merge policy gets the security update's severity, not a plain update's
      expect(autoMergeRuleFor(DEFAULT_AUTO_MERGE_POLICY, stored?.severity ?? 'none')).toBe(
        DEFAULT_AUTO_MERGE_POLICY[UNASSESSED_SECURITY_SEVERITY],
      );
    }
  }, 60_000);

  it('a security update that a stored tracker record fixes takes its severity, and the advisory touches the streams', async () => {
    await advisories.record(
      OsvAdvisorySchema.parse({
        id: 'CVE-2026-3100',
        modified: new Date(0).toISOString(),
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'tool' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.11.8' }] }],
            database_specific: { severity: 'high' },
          },
        ],
      }),
      1_000,
      { source: 'debian_tracker:bookworm' },
    );
    const marked = event('security-0.11.8', '0.11.8', {
      suite: 'bookworm-security',
      sourcePackage: 'tool',
      sourceVersion: '0.11.8',
    });
    await requests.saveEvent(marked);
    const planned = await planner.plan(marked.id);
    expect(planned.soaking).toEqual([]);
    expect(planned.requests).toHaveLength(2);
    for (const r of planned.requests)
      expect(await requests.get(r.id)).toMatchObject({ severity: 'high', advisory: 'CVE-2026-3100' });
    expect(await advisories.streams('CVE-2026-3100')).toEqual(planned.requests.map((r) => r.stream).sort());
  }, 60_000);
});
