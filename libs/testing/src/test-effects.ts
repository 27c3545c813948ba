import type { Redis } from 'ioredis';

/** One execution of a stage as the test executor saw it. */
export interface ExecutionRecord {
  token: string;
  attempt: number;
  pid: number;
  /** Whether it had its side effect (it may have been killed before). */
  effect: boolean;
}

/**
 * Keys the test executors write, so that tests can count executions and effects. Nothing here
 * deduplicates: "no effect twice" is checked against what the run store accepted.
 *   executions:<key>   per idempotency key (<runId>:<stage>): execution token → "<attempt>:<pid>"
 *   effect:<key>       per idempotency key: token → attempt of every execution that had its effect
 *   effected:<runId>   the idempotency keys of the run that had an effect (by at least one execution)
 *   calls:<runId>      incremented on every executor call
 *   active:<pid>       jobs a worker process is executing now
 *   holding:<pid>      their idempotency keys
 *   cured:<definition> a poison definition that behaves from now on
 */
export class TestEffects {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(name: string): string {
    return `${this.prefix}:{test}:${name}`;
  }

  /** How many of the run's stages had their effect (each stage counts once, however many executions had it). */
  async effects(runId: string): Promise<number> {
    return this.redis.scard(this.key(`effected:${runId}`));
  }

  /** Every execution of a stage (idempotency key `<runId>:<stage>`) and whether it had its effect. */
  async executions(idempotencyKey: string): Promise<ExecutionRecord[]> {
    const [execs, effects] = await Promise.all([
      this.redis.hgetall(this.key(`executions:${idempotencyKey}`)),
      this.redis.hgetall(this.key(`effect:${idempotencyKey}`)),
    ]);
    return Object.entries(execs).map(([token, v]) => {
      const [attempt, pid] = v.split(':');
      return { token, attempt: Number(attempt), pid: Number(pid), effect: token in effects };
    });
  }

  async calls(runId: string): Promise<number> {
    return Number((await this.redis.get(this.key(`calls:${runId}`))) ?? 0);
  }

  /** Jobs the worker process `pid` is executing right now. */
  async activeIn(pid: number): Promise<number> {
    return Number((await this.redis.get(this.key(`active:${pid}`))) ?? 0);
  }

  /** Idempotency keys of the stages the worker process `pid` is executing right now. */
  async holding(pid: number): Promise<string[]> {
    return this.redis.smembers(this.key(`holding:${pid}`));
  }

  /** Makes a poison definition behave from now on. */
  async cure(definition: string): Promise<void> {
    await this.redis.set(this.key(`cured:${definition}`), '1');
  }
}
