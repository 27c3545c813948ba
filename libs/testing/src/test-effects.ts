import type { Redis } from 'ioredis';

/**
 * Keys the test executors write, so that tests can count effects:
 *   effect:<key>       set once per idempotency key (SET NX)
 *   effects:<runId>    incremented when an effect really happens
 *   calls:<runId>      incremented on every executor call (may exceed effects)
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

  async effects(runId: string): Promise<number> {
    return Number((await this.redis.get(this.key(`effects:${runId}`))) ?? 0);
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
