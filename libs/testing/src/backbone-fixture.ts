import { Redis } from 'ioredis';
import type { PipelineRun, RunState } from '@patch-factory/contracts';
import { ApiTokenRepository, ROLES, RunRepository, type Scope } from '@patch-factory/store';
import { ApiClient } from './api-client';
import { dropPrefix, sharedRedisUrl, testPrefix } from './redis-server';
import { startProcess, startWorker, type ServiceProcess } from './service-process';
import { TestEffects } from './test-effects';
import { waitFor } from './wait-for';

/**
 * Everything a backbone test needs on real Redis: its own key prefix, the run store and
 * the test executors' counters as seen from the test, and the processes it started.
 */
export class BackboneFixture {
  readonly prefix = testPrefix();
  readonly redis: Redis;
  readonly runs: RunRepository;
  readonly effects: TestEffects;
  readonly processes: ServiceProcess[] = [];

  constructor(
    readonly redisUrl: string = sharedRedisUrl(),
    readonly env: Record<string, string> = {},
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.runs = new RunRepository(this.redis, this.prefix);
    this.effects = new TestEffects(this.redis, this.prefix);
  }

  /**
   * The processes' environment. Tests poll the API far faster than a client would, so the
   * per-token rate limit is raised unless a test sets it (api-access.spec.ts tests the limit).
   */
  private processEnv(extra: Record<string, string>): Record<string, string> {
    return {
      PF_PREFIX: this.prefix,
      PF_REDIS_URL: this.redisUrl,
      PF_API_RATE_LIMIT_PER_MINUTE: '1000000',
      ...this.env,
      ...extra,
    };
  }

  /** Makes a token on this fixture's prefix (an admin token unless scopes say otherwise). */
  async mintToken(scopes: readonly Scope[] = ROLES.admin, name = 'test'): Promise<string> {
    return (await new ApiTokenRepository(this.redis, this.prefix).create(name, scopes, 'test-fixture')).token;
  }

  /** A client of a service this fixture started, carrying an admin token of the fixture's prefix. */
  async client(port: number): Promise<ApiClient> {
    this.adminToken ??= await this.mintToken(ROLES.admin, 'test-admin');
    return ApiClient.onPort(port, this.adminToken);
  }
  private adminToken?: string;

  /** Starts the API; its client carries an admin token (`.withToken(undefined)` for none). */
  async startApi(extra: Record<string, string> = {}): Promise<ApiClient> {
    const p = await startProcess('dist/services/api/src/main.js', this.processEnv(extra));
    this.processes.push(p);
    return this.client(p.port);
  }

  async startWorker(stages: readonly string[], extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const p = await startWorker(stages, this.processEnv(extra));
    this.processes.push(p);
    return p;
  }

  async startService(entry: string, extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const p = await startProcess(entry, this.processEnv(extra));
    this.processes.push(p);
    return p;
  }

  /**
   * Waits until every run is in one of `states` (default: finished) and returns them. On a
   * timeout, the error names the runs that are not there yet, with their state and stages.
   */
  async waitForRuns(
    ids: readonly string[],
    timeoutMs = 60_000,
    states: readonly RunState[] = ['succeeded', 'failed'],
  ): Promise<PipelineRun[]> {
    try {
      return await waitFor(
        `${ids.length} run(s) to reach ${states.join('/')}`,
        async () => {
          const runs = await Promise.all(ids.map((id) => this.runs.get(id)));
          return runs.every((r) => r && states.includes(r.state)) ? (runs as PipelineRun[]) : undefined;
        },
        timeoutMs,
        100,
      );
    } catch (error) {
      const runs = await Promise.all(ids.map(async (id) => ({ id, run: await this.runs.get(id) })));
      const pending = runs.filter(({ run }) => !run || !states.includes(run.state));
      const lines = pending
        .slice(0, 10)
        .map(({ id, run }) => (run ? `${id} ${run.state}: ${describeStages(run)}` : `${id} missing`));
      throw new Error(`${(error as Error).message}; ${pending.length} not there:\n${lines.join('\n')}`);
    }
  }

  /** Stops every process (SIGTERM, then SIGKILL after 10 s) and deletes the prefix's keys. */
  async close(): Promise<void> {
    await Promise.all(
      this.processes.map(async (p) => {
        p.kill('SIGTERM');
        const done = await Promise.race([
          p.exited.then(() => true),
          new Promise((r) => setTimeout(() => r(false), 10_000)),
        ]);
        if (!done) p.kill('SIGKILL');
      }),
    );
    await dropPrefix(this.redisUrl, this.prefix).catch(() => undefined);
    this.redis.disconnect();
  }
}

function describeStages(run: PipelineRun): string {
  return run.stages
    .filter((s) => s.status !== 'pending')
    .map((s) => `${s.stage}=${s.status}/${s.attempts}${s.refusals ? ` refused ${s.refusals}` : ''}`)
    .join(' ');
}
