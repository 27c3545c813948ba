import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { OsvAdvisorySchema, type UpstreamEvent } from '@patch-factory/contracts';
import { patchDefinition } from '@patch-factory/definitions';
import { JobProducer } from '@patch-factory/queue';
import { AdvisoryRepository, PatchRequestRepository, WatchStateRepository } from '@patch-factory/store';
import {
  repoRoot,
  sharedRedisUrl,
  startGithubDouble,
  testPrefix,
  type CatalogOrigin,
  type GithubDouble,
} from '@patch-factory/testing';
import { WatchTargetSchema } from '@patch-factory/sources';
import { WatchPoller, pollWithRegistry } from '@patch-factory/watching';
import { startPlannerFixture, type PlannerFixture } from './planner.fixture';
import { isSecurityFix, UpstreamPlanner } from './upstream-planner.service';

const TOKEN = 'ghp_planner_token';
const FILE = 'image/regctl/alpine-3.23/0.yaml';
const SOAKED = 'image/slow/alpine-3.23/0.yaml';
const OLD_COMMIT = 'ab'.repeat(20);
const NEW_COMMIT = 'cd'.repeat(20);

/** A real catalog definition (the corpus), following a GitHub release with a `set:` list: the tag into VERSION, the commit into COMMIT_SHA. */
function trackedDefinition(): string {
  const text = readFileSync(join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog', FILE), 'utf8');
  return (
    text.replace('  VERSION: 0.11.5-r6\n', `  VERSION: v0.11.5\n  COMMIT_SHA: ${OLD_COMMIT}\n`) +
    [
      'track:',
      '  - type: github_release',
      '    owner: upstream',
      '    repo: tool',
      '    set:',
      '      - var: VERSION',
      '        value: tag',
      '      - var: COMMIT_SHA',
      '        value: commit',
      '',
    ].join('\n')
  );
}

/**
 * The planner on real Redis, a real git catalog and the GitHub API double: what a track's
 * `set:` computes at the source reaches the definition, and the one soak mechanism holds plain
 * updates back while security fixes pass.
 */
describe('UpstreamPlanner', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  let origin: CatalogOrigin;
  let github: GithubDouble;
  let producer: JobProducer;
  let planner: UpstreamPlanner;
  const requests = new PatchRequestRepository(redis, prefix);

  let fx: PlannerFixture;

  beforeAll(async () => {
    github = await startGithubDouble({ token: TOKEN, owner: 'upstream', repo: 'tool' });
    fx = startPlannerFixture(redis, prefix, { [FILE]: trackedDefinition(), [SOAKED]: trackedDefinition() }, [
      { definitions: 'image/slow/', minReleaseAgeMs: 3_600_000 },
    ]);
    ({ origin, producer, planner } = fx);
  }, 60_000);
  afterAll(async () => {
    await github?.close();
    await fx?.close();
  });

  it('a github_release track with set: [{var: VERSION, value: tag}, {var: COMMIT_SHA, value: commit}] changes both variables of the definition', async () => {
    // The watcher sees the release at the GitHub double, with the tag and the commit the track's set: names.
    github.addRelease({ tag: 'v0.11.6', target: NEW_COMMIT });
    const target = WatchTargetSchema.parse({
      key: 'github_release:upstream/tool',
      kind: 'github_release',
      ref: 'upstream/tool',
      config: {
        type: 'github_release',
        owner: 'upstream',
        repo: 'tool',
        set: [
          { var: 'VERSION', value: 'tag' },
          { var: 'COMMIT_SHA', value: 'commit' },
        ],
      },
    });
    const poller = new WatchPoller(
      pollWithRegistry({ github: { token: TOKEN, baseUrl: github.url } }),
      new WatchStateRepository(redis, prefix),
      requests,
      producer,
    );
    const report = await poller.pollTarget(target, AbortSignal.timeout(30_000));
    expect(report.emitted).toEqual([
      expect.objectContaining({
        ref: 'upstream/tool',
        version: '0.11.6',
        vars: { VERSION: 'v0.11.6', COMMIT_SHA: NEW_COMMIT },
      }),
    ]);
    github.assertNoViolations();

    const outcome = await planner.plan(report.emitted[0]?.id ?? '');
    expect(outcome.requests).toHaveLength(1);
    const stored = await requests.get(outcome.requests[0]?.id ?? '');
    expect(stored?.files).toEqual([
      {
        file: FILE,
        changes: [
          { name: 'VERSION', old: 'v0.11.5', new: 'v0.11.6' },
          { name: 'COMMIT_SHA', old: OLD_COMMIT, new: NEW_COMMIT },
        ],
      },
    ]);
    const patched = patchDefinition(origin.show('main', FILE) as string, stored?.files[0]?.changes ?? [], FILE);
    expect(patched.text).toContain('  VERSION: v0.11.6\n');
    expect(patched.text).toContain(`  COMMIT_SHA: ${NEW_COMMIT}\n`);
    expect(patched.text).not.toContain(OLD_COMMIT);
    // The soaked definition waits: a plain update.
    expect(outcome.soaking).toEqual([
      { stream: expect.stringContaining('slow') as unknown, until: expect.any(Number) as unknown },
    ]);
  }, 60_000);

  it('holds a plain update back by the soak rules even when it says severity "none"; a real security severity or an advisory passes', async () => {
    const base = {
      source: 'github-release',
      ref: 'upstream/tool',
      version: '0.11.7',
      vars: { VERSION: 'v0.11.7', COMMIT_SHA: 'ef'.repeat(20) },
      firstSeenAt: Date.now(),
    };
    const none: UpstreamEvent = { ...base, id: 'soak-none', severity: 'none' };
    await requests.saveEvent(none);
    expect((await planner.plan(none.id)).soaking.map((s) => s.stream)).toEqual([
      expect.stringContaining('slow') as unknown,
    ]);
    // A fix of a stored advisory (from a feed) with severity low: not held back, and the request carries the stored severity.
    await new AdvisoryRepository(redis, prefix).saveDocument(
      OsvAdvisorySchema.parse({
        id: 'CVE-2026-7001',
        modified: '2026-01-01T00:00:00Z',
        affected: [],
        database_specific: { severity: 'low' },
      }),
      { source: 'osv_feed:test' },
    );
    const low: UpstreamEvent = { ...base, id: 'soak-low', advisory: 'CVE-2026-7001', severity: 'critical' };
    await requests.saveEvent(low);
    const fix = await planner.plan(low.id);
    expect(fix.soaking).toEqual([]);
    expect(fix.requests.map((r) => r.stream).sort()).toEqual([
      expect.stringContaining('regctl') as unknown,
      expect.stringContaining('slow') as unknown,
    ]);
    // The severity is the stored advisory's (low), not the one written in the event (critical).
    for (const r of fix.requests)
      expect(await requests.get(r.id)).toMatchObject({ severity: 'low', advisory: 'CVE-2026-7001' });
    expect([
      isSecurityFix({ severity: 'none' }),
      isSecurityFix({}),
      isSecurityFix({ severity: 'critical' }),
      isSecurityFix({ advisory: 'CVE-2026-1' }),
    ]).toEqual([false, false, true, true]);
    expect(isSecurityFix({ security: { suite: 'bookworm-security', sourcePackage: 'tool', sourceVersion: '1' } })).toBe(
      true,
    );
  }, 60_000);

  it('trusts no severity or advisory the store does not back: a stored event claiming critical, or an unknown advisory, soaks and carries no severity', async () => {
    const base = {
      source: 'github-release',
      ref: 'upstream/tool',
      version: '0.11.9',
      vars: { VERSION: 'v0.11.9', COMMIT_SHA: '12'.repeat(20) },
      firstSeenAt: Date.now(),
    };
    for (const claim of [
      { id: 'claims-critical', severity: 'critical' as const },
      { id: 'claims-advisory', advisory: 'CVE-2099-0404', severity: 'critical' as const },
    ]) {
      const forged: UpstreamEvent = { ...base, ...claim };
      await requests.saveEvent(forged);
      const outcome = await planner.plan(forged.id);
      expect(outcome.soaking.map((s) => s.stream)).toEqual([expect.stringContaining('slow') as unknown]);
      expect(outcome.requests).toHaveLength(1);
      const stored = await requests.get(outcome.requests[0]?.id ?? '');
      expect(stored?.severity).toBeUndefined();
      expect(stored?.advisory).toBeUndefined();
    }
  }, 60_000);
});
