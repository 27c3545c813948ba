import { RUN_STAGES } from '@patch-factory/pipeline';
import { BackboneFixture, startRedisServer, waitFor, type ApiClient, type RedisServerHandle } from '../src';
import { useOwnRedisBackbone } from '../src/own-redis-backbone.fixture';

const RUNS = 24;
const ENV = { PF_TEST_STAGE_DELAY_MS: '150', PF_LOG_LEVEL: 'warn', PF_BACKOFF_DELAY_MS: '200' };

/** A client's trigger that it retries with the same Idempotency-Key until it is answered 2xx. */
interface RetriedTrigger {
  definition: string;
  key: string;
  tries: number;
  runId?: string;
}

/** One trigger with a bounded wait: the run id when the API answered 2xx, undefined otherwise (never acknowledged). */
async function tryTrigger(api: ApiClient, definition: string, idempotencyKey: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${api.base}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey, ...api.authHeaders() },
      body: JSON.stringify({ definition }),
      signal: AbortSignal.timeout(3_000),
    });
    const body = (await res.json().catch(() => ({}))) as { runId?: string };
    return res.status >= 200 && res.status < 300 && typeof body.runId === 'string' ? body.runId : undefined;
  } catch {
    return undefined; // refused, reset or timed out: not acknowledged
  }
}

/**
 * Redis crashes (SIGKILL) while runs are in flight and triggers keep arriving, and comes back
 * a few seconds later on its append-only file (infra/redis.conf: appendfsync always). The API
 * and workers are real service processes that stay up through the outage.
 */
describe('Redis killed with SIGKILL mid-run, restarted on its AOF', () => {
  const own = useOwnRedisBackbone(ENV);

  it('every acknowledged trigger ends succeeded, each run completed once, each effect once; retried triggers make one run each', async () => {
    const { redis, fx, api } = own;
    const acknowledged: string[] = [];
    for (let i = 0; i < RUNS; i++) acknowledged.push(await api.trigger(`image/kill-${i}/debian-12/1.yaml`));

    // Triggers keep coming through the crash; only those answered 2xx were promised to anyone.
    // Their client retries each one with its Idempotency-Key until it is answered (a request
    // that timed out may still have created its run: the retry must get that run, not a second).
    let triggering = true;
    const late: RetriedTrigger[] = [];
    const attempt = async (t: RetriedTrigger) => {
      t.tries++;
      const id = await tryTrigger(api, t.definition, t.key);
      if (id) {
        t.runId = id;
        acknowledged.push(id);
      }
    };
    const trickle = (async () => {
      for (let i = 0; triggering && i < 400; i++) {
        const t: RetriedTrigger = {
          definition: `image/kill-late-${i}/debian-12/1.yaml`,
          key: `${fx.prefix}-late-${i}`,
          tries: 0,
        };
        late.push(t);
        await attempt(t);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // Kill while the pipeline is mid-way: some runs under way, not all finished.
    await waitFor(
      'some runs to be under way',
      async () => ((await fx.runs.list({ state: 'running', limit: 5 })).length > 0 ? true : undefined),
      30_000,
      10,
    );
    const finishedBefore = (await fx.runs.list({ state: 'succeeded', limit: 1000 })).length;
    expect(finishedBefore).toBeLessThan(RUNS);
    const pidBefore = redis.pid;
    await redis.signal('SIGKILL');
    await new Promise((r) => setTimeout(r, 3_000));
    await redis.start();
    expect(redis.pid).not.toBe(pidBefore);
    // Let triggers reach the recovered API for a moment, then stop them.
    const ackedAtRestart = acknowledged.length;
    await waitFor(
      'a trigger acknowledged after the restart',
      () => Promise.resolve(acknowledged.length > ackedAtRestart ? true : undefined),
      30_000,
      50,
    );
    triggering = false;
    await trickle;
    const unansweredAtFirst = late.filter((t) => !t.runId).length;
    await waitFor(
      'every retried trigger answered 2xx',
      async () => {
        for (const t of late.filter((x) => !x.runId)) await attempt(t);
        return late.every((t) => t.runId) ? true : undefined;
      },
      60_000,
      200,
    );
    process.stderr.write(
      `redis-kill: ${late.length} triggers during the crash, ${unansweredAtFirst} unanswered at first (retried with their key, ${late.reduce((n, t) => n + t.tries, 0)} requests); ` +
        `${finishedBefore} of ${RUNS} runs had finished before the kill\n`,
    );

    const runs = await fx.waitForRuns(acknowledged, 150_000);
    for (const run of runs) {
      expect({ id: run.id, state: run.state, error: run.error }).toEqual({
        id: run.id,
        state: 'succeeded',
        error: undefined,
      });
      expect(await fx.runs.completions(run.id)).toBe(1);
      expect(await fx.effects.effects(run.id)).toBe(RUN_STAGES.length);
      for (const stage of run.stages)
        expect({ run: run.id, stage: stage.stage, ran: stage.attempts >= 1 }).toEqual({
          run: run.id,
          stage: stage.stage,
          ran: true,
        });
    }
    // A retried trigger made exactly one run, the one its 2xx named.
    for (const t of late) {
      const made = (await fx.runs.list({ definition: t.definition, limit: 10 })).map((r) => r.id);
      expect({ definition: t.definition, runs: made }).toEqual({ definition: t.definition, runs: [t.runId] });
    }
    const health = await api.request<{ redis: string }>('GET', '/health/ready');
    expect(health.status).toBe(200);
  }, 240_000);
});

describe('a service on a Redis weaker than the durability guarantee', () => {
  let weak: RedisServerHandle;
  let fx: BackboneFixture;
  beforeAll(async () => {
    weak = await startRedisServer({ appendfsync: 'everysec' });
    fx = new BackboneFixture(weak.url, { PF_LOG_LEVEL: 'warn' });
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
    await weak?.stop();
  }, 60_000);

  it('refuses to boot on appendfsync everysec, and boots with one warning when PF_REDIS_ALLOW_NO_AOF=true', async () => {
    await expect(fx.startApi()).rejects.toThrow(/appendfsync is \\"everysec\\"|appendfsync is "everysec"/);
    const api = await fx.startApi({ PF_REDIS_ALLOW_NO_AOF: 'true' });
    expect((await api.request('GET', '/health/ready')).status).toBe(200);
    const out = fx.processes.at(-1)?.output() ?? '';
    expect(out).toContain('redis durability below the guarantee, allowed by PF_REDIS_ALLOW_NO_AOF');
  }, 120_000);
});
