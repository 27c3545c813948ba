// Promote is crash-safe, on real parts: a real child process runs the real PromoteExecutor against
// Debian's docker-registry and real Redis and is killed with SIGKILL right after one step of the
// promotion (the registry copy, the plan, each tag move, the store writes); a fresh process then
// runs the promotion again. Whatever the step, each release tag ends at the new digest with one
// history record, and the run has one image event.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RegistryClient } from '@patch-factory/oci';
import { newRunId } from '@patch-factory/pipeline';
import { ReleaseRepository, RunRepository } from '@patch-factory/store';
import {
  STATIC_DEFINITION as DEFINITION,
  createStaticCatalog,
  dropPrefix,
  pushImage,
  repoRoot,
  sharedRedisUrl,
  startRegistry,
  testPrefix,
  type CatalogOrigin,
  type RegistryInstance,
} from '@patch-factory/testing';
import type { PromoteStep } from './promote-steps';

const STAGING = 'staging/examples/static';
const RELEASE = 'examples/static';
const TAGS = ['12', 'debian12'];
const CHILD_TIMEOUT_MS = 120_000;

interface ChildOutcome {
  exit: number | string;
  steps: string[];
  output: string;
}

describe('promote survives a SIGKILL at every step: one event and one history record per tag', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const runs = new RunRepository(redis, prefix);
  const releases = new ReleaseRepository(redis, prefix);
  let registry: RegistryInstance;
  let origin: CatalogOrigin;
  let work: string;
  let children = 0;

  beforeAll(async () => {
    registry = await startRegistry();
    origin = createStaticCatalog();
    work = mkdtempSync(join(tmpdir(), 'pf-promote-crash-'));
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    origin?.cleanup();
    rmSync(work, { recursive: true, force: true });
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  }, 60_000);

  /** Runs the promotion of `runId` in a new Node process (from source), killed after `killAt` when given. */
  const promoteInChild = (runId: string, killAt?: PromoteStep, lockWaitMs?: number): Promise<ChildOutcome> => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PF_PREFIX: prefix,
      PF_REDIS_URL: sharedRedisUrl(),
      PF_REGISTRY_URL: registry.url,
      PF_CATALOG_REMOTE: origin.dir,
      // A clone of its own per process: a killed process leaves nothing the next one trips on.
      PF_CATALOG_WORKDIR: join(work, `catalog-${++children}.git`),
      PF_LOG_LEVEL: 'warn',
      PF_TRACES_EXPORTER: 'none',
      PF_TEST_PROMOTE_RUN: runId,
    };
    delete env['PF_TEST_PROMOTE_KILL_AT'];
    delete env['PF_TEST_PROMOTE_LOCK_WAIT_MS'];
    if (killAt) env['PF_TEST_PROMOTE_KILL_AT'] = killAt;
    if (lockWaitMs !== undefined) env['PF_TEST_PROMOTE_LOCK_WAIT_MS'] = String(lockWaitMs);
    const root = repoRoot();
    const child = spawn(
      process.execPath,
      [join(root, 'libs/publishing/test/ts-child.cjs'), join(root, 'libs/publishing/test/promote-child.ts')],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the promote child did not end within ${CHILD_TIMEOUT_MS} ms:\n${output.slice(-4000)}`));
      }, CHILD_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({
          exit: code ?? signal ?? -1,
          steps: output
            .split('\n')
            .filter((l) => l.startsWith('step '))
            .map((l) => l.slice(5)),
          output,
        });
      });
    });
  };

  /** A run of the static definition whose publish stage pushed its own image to staging; its promote stage is next. */
  const publishedRun = async (label: string): Promise<{ runId: string; digest: string }> => {
    const runId = newRunId();
    const digest = await pushImage(registry.url, STAGING, runId.toLowerCase(), `the image of ${label}`);
    await runs.create({
      id: runId,
      definition: DEFINITION,
      trigger: { kind: 'manual' },
      stages: ['publish', 'promote'],
      now: Date.now(),
    });
    await runs.startStage(runId, 'publish');
    await runs.completeStage(runId, 'publish', {
      durationMs: 1,
      artifacts: { 'publish.repository': STAGING, 'publish.digest': digest },
    });
    return { runId, digest };
  };

  const client = () => new RegistryClient({ registry: registry.url });
  const eventsOf = async (runId: string) =>
    (await releases.events(undefined, 1000)).filter((e) => e.event.runId === runId).map((e) => e.event);
  const historyOf = async (runId: string) => (await releases.history(RELEASE, 1000)).filter((h) => h.runId === runId);

  const STEPS: PromoteStep[] = ['copied', 'planned', 'tag-moved:12', 'tag-moved:debian12', 'recorded'];

  it.each(STEPS)(
    'killed after %s, then promoted again by a fresh process',
    async (step) => {
      const before = await Promise.all(TAGS.map(async (t) => (await releases.tag(RELEASE, t))?.digest));
      const { runId, digest } = await publishedRun(`a run killed after ${step}`);

      const killed = await promoteInChild(runId, step);
      expect({ exit: killed.exit, last: killed.steps.at(-1) }).toEqual({ exit: 'SIGKILL', last: step });
      // The kill really fell between the effects: what the registry and the store hold now.
      const registryNow = await Promise.all(
        TAGS.map((t) =>
          client()
            .resolveTag(RELEASE, t)
            .catch(() => undefined),
        ),
      );
      const movedBeforeKill =
        step === 'tag-moved:12'
          ? [digest, before[1]]
          : step === 'tag-moved:debian12' || step === 'recorded'
            ? [digest, digest]
            : before;
      expect(registryNow).toEqual(movedBeforeKill);
      expect(await historyOf(runId)).toHaveLength(step === 'recorded' ? 2 : 0);
      expect(await eventsOf(runId)).toHaveLength(step === 'recorded' ? 1 : 0);

      const again = await promoteInChild(runId);
      expect({ exit: again.exit, out: again.exit === 0 ? '' : again.output.slice(-2000) }).toEqual({
        exit: 0,
        out: '',
      });
      // A third run, after success, changes nothing.
      expect((await promoteInChild(runId)).exit).toBe(0);

      for (const t of TAGS) {
        expect(await client().resolveTag(RELEASE, t)).toBe(digest);
        expect((await releases.tag(RELEASE, t))?.digest).toBe(digest);
      }
      const history = await historyOf(runId);
      expect(history.map((h) => [h.tag, h.previous, h.digest]).sort()).toEqual(
        TAGS.map((t, i) => [t, before[i], digest]),
      );
      const events = await eventsOf(runId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: before.every((d) => d === undefined) ? 'image.published' : 'image.updated',
        digest,
        tags: TAGS.map((t, i) => ({ tag: t, digest, ...(before[i] ? { previous: before[i] } : {}) })),
      });
      expect((await releases.published(DEFINITION))?.digest).toBe(digest);
      expect(await releases.promotion(runId)).toMatchObject({ recorded: TAGS, done: true });
      // And the repository is free for the next promotion.
      const probe = await releases.lockPromotion(RELEASE, 'lock-probe', 1_000);
      expect(probe).toMatchObject({ acquired: true });
      if (probe.acquired) await releases.releasePromotion(probe.lease);
    },
    4 * CHILD_TIMEOUT_MS,
  );

  it(
    'while a killed promotion holds its lock, another run of the repository waits for it (bounded: then promote-busy) and then moves the tags after it',
    async () => {
      const a = await publishedRun('run A, killed after its plan');
      const b = await publishedRun('run B, newer');
      const killed = await promoteInChild(a.runId, 'planned');
      expect({ exit: killed.exit, out: killed.exit === 'SIGKILL' ? '' : killed.output.slice(-2000) }).toEqual({
        exit: 'SIGKILL',
        out: '',
      });
      // B waits in the process for its turn, here at most 1.5 s (the killed A's lock lives 2 minutes).
      const busy = await promoteInChild(b.runId, undefined, 1_500);
      expect(busy.exit).toBe(1);
      expect(busy.output).toContain(
        `run ${a.runId} is moving the release tags of ${RELEASE} now (this promotion waited `,
      );
      expect(await historyOf(b.runId)).toHaveLength(0);
      // A's retry finishes its promotion; then B's moves the tags on from A's image.
      expect((await promoteInChild(a.runId)).exit).toBe(0);
      expect((await promoteInChild(b.runId)).exit).toBe(0);
      for (const t of TAGS) expect(await client().resolveTag(RELEASE, t)).toBe(b.digest);
      expect((await historyOf(b.runId)).map((h) => h.previous)).toEqual([a.digest, a.digest]);
      expect(await eventsOf(a.runId)).toHaveLength(1);
      expect(await eventsOf(b.runId)).toHaveLength(1);
    },
    4 * CHILD_TIMEOUT_MS,
  );
});
