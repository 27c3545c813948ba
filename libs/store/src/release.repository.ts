import type { Redis } from 'ioredis';
import { ImageEventSchema, type ImageEvent } from '@patch-factory/contracts';
import { StoreKeys } from './store-keys';

const HISTORY_LENGTH = 1000;
const EVENT_STREAM_LENGTH = 100_000;
const EVENT_SEEN_TTL_SECONDS = 365 * 86_400;

/** Where a release tag points, as the promote stage last recorded it. */
export interface ReleaseTag {
  digest: string;
  runId: string;
  at: number;
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

  /** The tag moves of `repository`, newest first. */
  async history(repository: string, limit = 100): Promise<(ReleaseTag & { tag: string; previous?: string })[]> {
    const raw = await this.redis.lrange(this.keys.releaseHistory(repository), 0, Math.max(0, Math.min(limit, HISTORY_LENGTH) - 1));
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
    const fresh = await this.redis.set(this.keys.imageEventSeen(checked.id), '1', 'EX', EVENT_SEEN_TTL_SECONDS, 'NX');
    if (fresh !== 'OK') return false;
    await this.redis.xadd(this.keys.imageEvents(), 'MAXLEN', '~', String(EVENT_STREAM_LENGTH), '*', 'event', JSON.stringify(checked));
    return true;
  }

  /** The image events after stream id `after` (default: from the start), oldest first. */
  async events(after = '-', count = 100): Promise<{ streamId: string; event: ImageEvent }[]> {
    const start = after === '-' ? '-' : `(${after}`;
    const entries = await this.redis.xrange(this.keys.imageEvents(), start, '+', 'COUNT', Math.max(1, Math.min(count, 1000)));
    return entries.map(([streamId, fields]) => ({ streamId, event: ImageEventSchema.parse(JSON.parse(fields[1] ?? 'null')) }));
  }
}
