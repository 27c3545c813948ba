import type { Redis } from 'ioredis';

/**
 * Keys the test executors write, so that tests can count effects:
 *   effect:<key>       set once per idempotency key (SET NX)
 *   effects:<runId>    incremented when an effect really happens
 *   calls:<runId>      incremented on every executor call (may exceed effects)
 *   dup-effects        incremented if an effect key is ever applied twice (must stay 0)
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

  async duplicateEffects(): Promise<number> {
    return Number((await this.redis.get(this.key('dup-effects'))) ?? 0);
  }
}
