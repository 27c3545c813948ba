import type { Redis } from 'ioredis';
import { ImageEventSchema, RetryableError, type ImageEvent } from '@patch-factory/contracts';
import {
  PROMOTION_COMMIT,
  PROMOTION_LOCK,
  PROMOTION_PLAN,
  PROMOTION_RELEASE,
  PROMOTION_RENEW,
  PROMOTION_UNLOCK,
  type FencedReply,
  type PromotionCommitReply,
  type PromotionPlanReply,
} from './release-scripts.lua';
import { StoreKeys } from './store-keys';

const HISTORY_LENGTH = 1000;
const EVENT_STREAM_LENGTH = 100_000;
const EVENT_SEEN_TTL_SECONDS = 365 * 86_400;
const PROMOTION_TTL_SECONDS = 365 * 86_400;
const SCRIPT_NAME = 'pfPromotionCommit';

/** The code of PromotionFencedError. */
export const PROMOTION_FENCED_CODE = 'promote-lock-lost';

/**
 * A store write of a promotion refused: another promotion took the repository's lock after the
 * caller's (its lock lapsed and was taken over). Nothing was written; the promotion is retried
 * and takes its turn again.
 */
export class PromotionFencedError extends RetryableError {
  constructor(
    readonly repository: string,
    readonly fence: number,
    readonly currentFence: number,
    readonly holder: string | undefined,
    what: string,
  ) {
    super(
      PROMOTION_FENCED_CODE,
      `${what} refused: the promotion lock of ${repository} was taken over (this promotion holds fencing number ${fence}, the lock is now at ${currentFence}${holder ? `, held by run ${holder}` : ''}); this promotion's lock lapsed, so it writes nothing and is retried`,
    );
  }
}

/** A promotion lock taken: its fencing number (the store writes of the promotion carry it). */
export interface PromotionLease {
  repository: string;
  runId: string;
  fence: number;
}

/** The answer of lockPromotion: the lease, or who holds the lock. */
export type PromotionLockResult =
  { acquired: true; lease: PromotionLease } | { acquired: false; holder: string; fence: number };

/** Where a release tag points, as the promote stage last recorded it. */
export interface ReleaseTag {
  digest: string;
  runId: string;
  at: number;
  /** The catalog commit the image was built from (`build.commit`), when the build recorded one. */
  commit?: string;
  /** When the run that promoted it was created (epoch ms): the order of runs of one definition. */
  runCreatedAt?: number;
}

/** A promotion's plan: where each release tag pointed before the run moved any (absent: a new tag). */
export interface PromotionPlan {
  /** Release repository (`examples/redis`). */
  repository: string;
  digest: string;
  tags: { tag: string; previous?: string }[];
  at: number;
}

/** What a run's promotion has written so far. */
export interface PromotionRecord {
  plan?: PromotionPlan;
  /** Tags whose move is recorded (pointer and history). */
  recorded: string[];
  /** The store writes of the promotion are all done. */
  done: boolean;
}

/** The store writes of one promotion, made at once (see commitPromotion). */
export interface PromotionCommit {
  runId: string;
  repository: string;
  /** The fencing number of the promotion's lease (lockPromotion): the writes are refused when it is out of date. */
  fence: number;
  /** One per tag the promotion moved: where it points now, and the history entry (naming the previous digest). */
  moves: { tag: string; current: ReleaseTag; previous?: string }[];
  /** The image event of the promotion (none when no tag moved). */
  event?: ImageEvent;
  /** The definition's last published image. */
  published?: { definition: string; image: PublishedImage };
}

/** The last image promoted from a definition. */
export interface PublishedImage {
  digest: string;
  runId: string;
  /** The scan report of the run that made it, for the next scan's diff. */
  scanReport?: string;
  at: number;
}

/**
 * Release state: which digest each release tag points at, every move of a tag, the last image
 * promoted per definition, and the stream of image events for subscribers. The registry is the
 * truth about tags; this is the factory's record of what it did (previous and new digest).
 */
export class ReleaseRepository {
  private readonly keys: StoreKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new StoreKeys(prefix);
  }

  async tag(repository: string, tag: string): Promise<ReleaseTag | undefined> {
    const raw = await this.redis.hget(this.keys.releaseTags(repository), tag);
    return raw ? (JSON.parse(raw) as ReleaseTag) : undefined;
  }

  /** Records that `tag` of `repository` now points at `digest` (a history entry names the previous one). */
  async recordTagMove(repository: string, tag: string, move: ReleaseTag & { previous?: string }): Promise<void> {
    const current: ReleaseTag = { digest: move.digest, runId: move.runId, at: move.at };
    await this.redis
      .multi()
      .hset(this.keys.releaseTags(repository), tag, JSON.stringify(current))
      .lpush(this.keys.releaseHistory(repository), JSON.stringify({ tag, ...move }))
      .ltrim(this.keys.releaseHistory(repository), 0, HISTORY_LENGTH - 1)
      .exec();
  }

  /** The plan and progress of a run's promotion (empty when it never started). */
  async promotion(runId: string): Promise<PromotionRecord> {
    const h = await this.redis.hgetall(this.keys.promotion(runId));
    const recorded = Object.keys(h)
      .filter((k) => k.startsWith('moved:'))
      .map((k) => k.slice('moved:'.length))
      .sort();
    return {
      ...(h['plan'] ? { plan: JSON.parse(h['plan']) as PromotionPlan } : {}),
      recorded,
      done: h['done'] === '1',
    };
  }

  /**
   * Records a run's promotion plan unless one is recorded (first writer wins) and returns the
   * recorded one: a promotion retried after a crash moves the tags from where they were
   * before its first attempt, not from where that attempt left them. Fenced like commitPromotion.
   */
  async planPromotion(runId: string, plan: PromotionPlan, fence: number): Promise<PromotionPlan> {
    const reply = (await this.redis.eval(
      PROMOTION_PLAN,
      3,
      this.keys.promotion(runId),
      this.keys.promotionLock(plan.repository),
      this.fenceKey(plan.repository),
      JSON.stringify(plan),
      PROMOTION_TTL_SECONDS,
      fence,
    )) as PromotionPlanReply;
    if (reply[0] === 'fenced')
      throw this.fenced(plan.repository, fence, reply, `recording the promotion plan of run ${runId}`);
    return JSON.parse(reply[1]) as PromotionPlan;
  }

  /**
   * The store writes of a promotion, atomically (one Lua script): each tag's pointer and
   * history entry once per (run, tag), the image event once per event id, the definition's
   * last published image. A promotion that crashed before this wrote nothing; one that crashed
   * after wrote everything, and its retry writes nothing twice. Returns the tags recorded now
   * and whether the event was appended now. Fenced: refused with PromotionFencedError (nothing
   * written) when another promotion took the repository's lock after `commit.fence` was issued.
   */
  async commitPromotion(commit: PromotionCommit): Promise<{ recorded: string[]; eventAppended: boolean }> {
    const event = commit.event ? ImageEventSchema.parse(commit.event) : undefined;
    const moves = commit.moves.map((m) => ({
      tag: m.tag,
      current: JSON.stringify(m.current),
      history: JSON.stringify({
        tag: m.tag,
        digest: m.current.digest,
        runId: m.current.runId,
        at: m.current.at,
        ...(m.previous ? { previous: m.previous } : {}),
      }),
    }));
    if (!(SCRIPT_NAME in this.redis)) this.redis.defineCommand(SCRIPT_NAME, { numberOfKeys: 8, lua: PROMOTION_COMMIT });
    const run = (
      this.redis as unknown as Record<string, (...args: (string | number)[]) => Promise<PromotionCommitReply>>
    )[SCRIPT_NAME] as (...args: (string | number)[]) => Promise<PromotionCommitReply>;
    const reply = await run.call(
      this.redis,
      this.keys.releaseTags(commit.repository),
      this.keys.releaseHistory(commit.repository),
      this.keys.promotion(commit.runId),
      this.keys.imageEvents(),
      this.keys.imageEventSeen(event?.id ?? `${commit.runId}:none`),
      this.keys.publishedImage(commit.published?.definition ?? ''),
      this.keys.promotionLock(commit.repository),
      this.fenceKey(commit.repository),
      // cjson turns an empty Lua table into {}: an empty batch is sent as an empty string.
      moves.length > 0 ? JSON.stringify(moves) : '',
      event ? JSON.stringify(event) : '',
      commit.published ? JSON.stringify(commit.published.image) : '',
      HISTORY_LENGTH,
      EVENT_STREAM_LENGTH,
      EVENT_SEEN_TTL_SECONDS,
      PROMOTION_TTL_SECONDS,
      commit.fence,
    );
    if (reply[0] === 'fenced')
      throw this.fenced(commit.repository, commit.fence, reply, `recording the promotion of run ${commit.runId}`);
    const [, recorded, appended] = reply;
    return { recorded: recorded.map(String), eventAppended: Number(appended) === 1 };
  }

  /**
   * Takes the promotion lock of `repository` for run `runId` for `ttlMs`, with a fencing number
   * from the repository's counter (INCR): free, or held by the same run (a retry after a crash),
   * it is taken, and a promotion that held it before can no longer write. Else: who holds it.
   */
  async lockPromotion(repository: string, runId: string, ttlMs: number): Promise<PromotionLockResult> {
    const [taken, fence, holder] = (await this.redis.eval(
      PROMOTION_LOCK,
      2,
      this.keys.promotionLock(repository),
      this.fenceKey(repository),
      runId,
      ttl(ttlMs),
    )) as [number, number, string];
    return Number(taken) === 1
      ? { acquired: true, lease: { repository, runId, fence: Number(fence) } }
      : { acquired: false, holder: String(holder), fence: Number(fence) };
  }

  /** Extends the lease by `ttlMs` (a lapsed lock nobody took since is taken again); false when another promotion holds the lock now. */
  async renewPromotion(lease: PromotionLease, ttlMs: number): Promise<boolean> {
    return (
      Number(
        await this.redis.eval(
          PROMOTION_RENEW,
          2,
          this.keys.promotionLock(lease.repository),
          this.fenceKey(lease.repository),
          lease.fence,
          lease.runId,
          ttl(ttlMs),
        ),
      ) === 1
    );
  }

  /** Lets go of the lock if this lease still holds it (never another promotion's). */
  async releasePromotion(lease: PromotionLease): Promise<boolean> {
    return (
      Number(await this.redis.eval(PROMOTION_RELEASE, 1, this.keys.promotionLock(lease.repository), lease.fence)) === 1
    );
  }

  /** Releases the promotion lock of `repository` if run `runId` holds it, whatever the lease (one a killed delivery of the run left). */
  async unlockPromotion(repository: string, runId: string): Promise<void> {
    await this.redis.eval(PROMOTION_UNLOCK, 1, this.keys.promotionLock(repository), runId);
  }

  /** The fencing counter of a repository's promotion lock. */
  private fenceKey(repository: string): string {
    return `${this.keys.promotionLock(repository)}:fence`;
  }

  private fenced(repository: string, fence: number, reply: FencedReply, what: string): PromotionFencedError {
    const holder = /^\d+ (.+)$/.exec(reply[2])?.[1];
    return new PromotionFencedError(repository, fence, Number(reply[1]), holder, what);
  }

  /** The tag moves of `repository`, newest first. */
  async history(repository: string, limit = 100): Promise<(ReleaseTag & { tag: string; previous?: string })[]> {
    const raw = await this.redis.lrange(
      this.keys.releaseHistory(repository),
      0,
      Math.max(0, Math.min(limit, HISTORY_LENGTH) - 1),
    );
    return raw.map((r) => JSON.parse(r) as ReleaseTag & { tag: string; previous?: string });
  }

  async recordPublished(definition: string, image: PublishedImage): Promise<void> {
    await this.redis.set(this.keys.publishedImage(definition), JSON.stringify(image));
  }

  async published(definition: string): Promise<PublishedImage | undefined> {
    const raw = await this.redis.get(this.keys.publishedImage(definition));
    return raw ? (JSON.parse(raw) as PublishedImage) : undefined;
  }

  /** Appends an image event once per id (a rerun of the same promotion appends nothing); true when appended. */
  async appendEvent(event: ImageEvent): Promise<boolean> {
    const checked = ImageEventSchema.parse(event);
    const fresh = await this.redis.set(
      this.keys.imageEventSeen(checked.id),
      JSON.stringify(checked),
      'EX',
      EVENT_SEEN_TTL_SECONDS,
      'NX',
    );
    if (fresh !== 'OK') return false;
    await this.redis.xadd(
      this.keys.imageEvents(),
      'MAXLEN',
      '~',
      String(EVENT_STREAM_LENGTH),
      '*',
      'event',
      JSON.stringify(checked),
    );
    return true;
  }

  /** The image event with this id (a promotion's is `<run id>:promote`), if one was appended (within a year). */
  async event(id: string): Promise<ImageEvent | undefined> {
    const raw = await this.redis.get(this.keys.imageEventSeen(id));
    if (raw === null || raw === '1') return undefined; // '1': appended before events were kept by id
    return ImageEventSchema.parse(JSON.parse(raw));
  }

  /** The image events after stream id `after` (default: from the start), oldest first. */
  async events(after = '-', count = 100): Promise<{ streamId: string; event: ImageEvent }[]> {
    const start = after === '-' ? '-' : `(${after}`;
    const entries = await this.redis.xrange(
      this.keys.imageEvents(),
      start,
      '+',
      'COUNT',
      Math.max(1, Math.min(count, 1000)),
    );
    return entries.map(([streamId, fields]) => ({
      streamId,
      event: ImageEventSchema.parse(JSON.parse(fields[1] ?? 'null')),
    }));
  }
}

function ttl(ms: number): number {
  return Math.max(1, Math.round(ms));
}
