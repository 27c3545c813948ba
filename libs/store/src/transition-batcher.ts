import type { Redis } from 'ioredis';
import { FIXED_KEYS, RUN_TRANSITIONS, type TransitionOp } from './run-scripts.lua';

/** One run transition: the operation, the keys it touches and its arguments. */
export interface Transition {
  op: TransitionOp;
  runKey: string;
  /** The definition index for `create`; the run hash otherwise. */
  auxKey?: string;
  id: string;
  stage: string;
  now: number;
  a4?: string | number;
  a5?: string | number;
  /** Fencing token of the stage execution asking ('' or absent: an outside event). */
  token?: string;
}

interface Pending {
  t: Transition;
  resolve: (reply: string[]) => void;
  reject: (error: Error) => void;
}

type BatchRunner = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

const SCRIPT_NAME = 'pfRunTransitions';
/** The most operations one script call carries; a larger batch is split. */
export const MAX_BATCH = 64;

/**
 * Coalesces the run transitions issued in the same turn of the event loop into one call
 * of the transition script. Many stage jobs finishing together (a worker runs several at
 * once) then cost one round trip to Redis instead of one each; a lone transition is sent
 * at once (setImmediate), so it waits for nothing. Each transition is applied in the order
 * it was issued and answered on its own promise.
 */
export class TransitionBatcher {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly redis: Redis,
    /** KEYS[1..FIXED_KEYS]: the index of all runs, then the state indexes. */
    private readonly fixedKeys: readonly string[],
  ) {
    if (fixedKeys.length !== FIXED_KEYS)
      throw new Error(`TransitionBatcher: ${FIXED_KEYS} fixed keys expected, got ${fixedKeys.length}`);
    if (!(SCRIPT_NAME in redis)) redis.defineCommand(SCRIPT_NAME, { lua: RUN_TRANSITIONS });
  }

  /** Applies one transition; resolves with the script's reply for it (status word first). */
  apply(t: Transition): Promise<string[]> {
    return new Promise<string[]>((resolve, reject) => {
      this.queue.push({ t, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.queue;
    this.queue = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) void this.send(all.slice(i, i + MAX_BATCH));
  }

  private async send(batch: Pending[]): Promise<void> {
    const keys: string[] = [...this.fixedKeys];
    const args: (string | number)[] = [batch.length];
    for (const { t } of batch) {
      keys.push(t.runKey, t.auxKey ?? t.runKey);
      args.push(t.op, t.id, t.stage, t.now, t.a4 ?? '', t.a5 ?? '', t.token ?? '');
    }
    let replies: unknown;
    try {
      const run = (this.redis as unknown as Record<string, BatchRunner>)[SCRIPT_NAME] as BatchRunner;
      replies = await run.call(this.redis, keys.length, ...keys, ...args);
    } catch (error) {
      for (const p of batch) p.reject(error as Error);
      return;
    }
    if (!Array.isArray(replies) || replies.length !== batch.length) {
      const err = new Error(
        `run transition script answered ${Array.isArray(replies) ? replies.length : typeof replies} replies for ${batch.length} operations`,
      );
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => {
      const reply = (replies as unknown[])[i];
      const words = Array.isArray(reply) ? reply.map((w) => String(w)) : [];
      if (words[0] === 'error' || words[0] === 'unknown-op' || words.length === 0) {
        p.reject(
          new Error(
            `run transition ${p.t.op} of run ${p.t.id} failed in Redis: ${words[1] ?? words[0] ?? 'empty reply'}`,
          ),
        );
      } else {
        p.resolve(words);
      }
    });
  }
}
