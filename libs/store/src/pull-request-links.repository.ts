import type { Redis } from 'ioredis';
import { StoreKeys } from './store-keys';

const LINK_TTL_SECONDS = 90 * 86_400;

/**
 * Which runs wait on the pull request of a branch: the review stage links a run when it
 * opens or updates the PR; a merge webhook finds the runs to promote by the PR's head branch.
 */
export class PullRequestLinks {
  private readonly keys: StoreKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new StoreKeys(prefix);
  }

  /** Links a run to a branch (idempotent); the link expires 90 days after its last use. */
  async link(branch: string, runId: string): Promise<void> {
    const key = this.keys.runsOfBranch(branch);
    await this.redis.multi().sadd(key, runId).expire(key, LINK_TTL_SECONDS).exec();
  }

  async runsOf(branch: string): Promise<string[]> {
    return (await this.redis.smembers(this.keys.runsOfBranch(branch))).sort();
  }
}

/** Webhook deliveries already handled, so that a redelivery is answered without work. */
export class DeliveryLog {
  private readonly keys: StoreKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new StoreKeys(prefix);
  }

  async seen(provider: string, id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.delivery(provider, id))) === 1;
  }

  /** Records a handled delivery for `ttlSeconds` (GitHub redelivers for a few days at most). */
  async record(provider: string, id: string, outcome: string, ttlSeconds = 30 * 86_400): Promise<void> {
    await this.redis.set(this.keys.delivery(provider, id), outcome, 'EX', ttlSeconds);
  }
}
