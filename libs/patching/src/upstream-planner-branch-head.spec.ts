import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { patchDefinition } from '@patch-factory/definitions';
import { JobProducer } from '@patch-factory/queue';
import { PatchRequestRepository, WatchStateRepository } from '@patch-factory/store';
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
import { UpstreamPlanner } from './upstream-planner.service';

const TOKEN = 'ghp_planner_head_token';
const FILE = 'image/regctl/alpine-3.23/0.yaml';
const OLD_COMMIT = '0a'.repeat(20);
const FIRST_HEAD = '2c'.repeat(20);
/** Lower than the first head in tag order: a head has none, it is newer because it differs. */
const MOVED_HEAD = '1b'.repeat(20);

/** A real catalog definition (the corpus) that follows the default branch of a GitHub repository: its head commit into SOURCE_COMMIT. */
function headTrackedDefinition(): string {
  const text = readFileSync(join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog', FILE), 'utf8');
  return (
    text.replace('  VERSION: 0.11.5-r6\n', `  VERSION: 0.11.5-r6\n  SOURCE_COMMIT: ${OLD_COMMIT}\n`) +
    [
      'track:',
      '  - type: github_repository',
      '    owner: upstream',
      '    repo: lib',
      '    set:',
      '      SOURCE_COMMIT: commit',
      '',
    ].join('\n')
  );
}

/**
 * The planner on real Redis, a real git catalog and the GitHub API double: the head commit a
 * `github_repository` track follows reaches the definition through the watcher and the planner.
 */
describe('UpstreamPlanner: a github_repository track', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  let origin: CatalogOrigin;
  let github: GithubDouble;
  let producer: JobProducer;
  let planner: UpstreamPlanner;
  const requests = new PatchRequestRepository(redis, prefix);

  let fx: PlannerFixture;

  beforeAll(async () => {
    github = await startGithubDouble({ token: TOKEN, owner: 'upstream', repo: 'lib', resolveBranch: () => undefined });
    fx = startPlannerFixture(redis, prefix, { [FILE]: headTrackedDefinition() });
    ({ origin, producer, planner } = fx);
  }, 60_000);
  afterAll(async () => {
    await github?.close();
    await fx?.close();
  });

  it('track: [{type: github_repository, owner, repo, set: {SOURCE_COMMIT: commit}}]: each new head of the default branch changes SOURCE_COMMIT', async () => {
    github.setBranchHead('main', FIRST_HEAD);
    const target = WatchTargetSchema.parse({
      key: 'github_repository:upstream/lib',
      kind: 'github_repository',
      ref: 'upstream/lib',
      config: { type: 'github_repository', owner: 'upstream', repo: 'lib', set: { SOURCE_COMMIT: 'commit' } },
    });
    const poller = new WatchPoller(
      pollWithRegistry({ github: { token: TOKEN, baseUrl: github.url } }),
      new WatchStateRepository(redis, prefix),
      requests,
      producer,
    );
    const poll = () => poller.pollTarget(target, AbortSignal.timeout(30_000));

    const first = await poll();
    expect(first.emitted).toEqual([
      expect.objectContaining({
        source: 'github-repository',
        ref: 'upstream/lib',
        version: FIRST_HEAD,
        vars: { SOURCE_COMMIT: FIRST_HEAD },
      }),
    ]);
    const planned = await planner.plan(first.emitted[0]?.id ?? '');
    expect(planned.requests).toHaveLength(1);
    const stored = await requests.get(planned.requests[0]?.id ?? '');
    expect(stored?.files).toEqual([
      { file: FILE, changes: [{ name: 'SOURCE_COMMIT', old: OLD_COMMIT, new: FIRST_HEAD }] },
    ]);
    const patched = patchDefinition(origin.show('main', FILE) as string, stored?.files[0]?.changes ?? [], FILE);
    expect(patched.text).toContain(`  SOURCE_COMMIT: ${FIRST_HEAD}\n`);
    expect(patched.text).not.toContain(OLD_COMMIT);

    // The head stays: nothing new (GitHub answers 304). It moves: one event, the new head.
    const unchanged = await poll();
    expect(unchanged).toMatchObject({ emitted: [], known: 0, rejected: [], notModified: 2 });
    github.setBranchHead('main', MOVED_HEAD);
    const moved = await poll();
    expect(moved.emitted).toEqual([
      expect.objectContaining({ version: MOVED_HEAD, vars: { SOURCE_COMMIT: MOVED_HEAD } }),
    ]);
    const next = await planner.plan(moved.emitted[0]?.id ?? '');
    const nextStored = await requests.get(next.requests[0]?.id ?? '');
    expect(nextStored?.files).toEqual([
      { file: FILE, changes: [{ name: 'SOURCE_COMMIT', old: OLD_COMMIT, new: MOVED_HEAD }] },
    ]);
    github.assertNoViolations();
  }, 60_000);
});
