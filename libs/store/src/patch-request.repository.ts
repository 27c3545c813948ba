import type { Redis } from 'ioredis';
import { z } from 'zod';
import { UpstreamEventSchema, type UpstreamEvent } from '@patch-factory/contracts';
import { StoreKeys } from './store-keys';

/** A stored PatchRequest: the planned change to one image stream (DESIGN.md vocabulary). */
export const StoredPatchRequestSchema = z.object({
  id: z.string().regex(/^pr_[0-9a-f]{20}$/),
  stream: z.string().max(512),
  eventId: z.string().max(128),
  ref: z.string().max(512),
  version: z.string().max(128),
  severity: z.enum(['critical', 'high', 'medium', 'low', 'none']).optional(),
  advisory: z.string().max(128).optional(),
  files: z
    .array(
      z.object({
        file: z.string().max(1024),
        changes: z.array(z.object({ name: z.string(), old: z.string(), new: z.string() })).max(256),
      }),
    )
    .min(1)
    .max(64),
  createdAt: z.number().int(),
});
export type StoredPatchRequest = z.infer<typeof StoredPatchRequestSchema>;

const TTL_SECONDS = 180 * 86_400;

/**
 * PatchRequests and the upstream events they come from, in Redis. A PatchRequest is
 * written once (its id is deterministic); the runs launched for its files are recorded
 * file by file, first writer wins, so a planner that runs twice launches each run once.
 */
export class PatchRequestRepository {
  private readonly keys: StoreKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new StoreKeys(prefix);
  }

  /** Stores an event (idempotent: an event id is stored once). Returns false if it was already there. */
  async saveEvent(event: UpstreamEvent): Promise<boolean> {
    const ok = await this.redis.set(
      this.keys.event(event.id),
      JSON.stringify(UpstreamEventSchema.parse(event)),
      'EX',
      TTL_SECONDS,
      'NX',
    );
    return ok === 'OK';
  }

  async getEvent(id: string): Promise<UpstreamEvent | undefined> {
    const raw = await this.redis.get(this.keys.event(id));
    return raw ? UpstreamEventSchema.parse(JSON.parse(raw)) : undefined;
  }

  /** Stores a PatchRequest unless one with its id exists; returns the stored one. */
  async save(request: StoredPatchRequest): Promise<StoredPatchRequest> {
    const body = JSON.stringify(StoredPatchRequestSchema.parse(request));
    await this.redis.set(this.keys.patchRequest(request.id), body, 'EX', TTL_SECONDS, 'NX');
    return (await this.get(request.id)) ?? request;
  }

  async get(id: string): Promise<StoredPatchRequest | undefined> {
    const raw = await this.redis.get(this.keys.patchRequest(id));
    return raw ? StoredPatchRequestSchema.parse(JSON.parse(raw)) : undefined;
  }

  /**
   * Records the run of one file of a PatchRequest, unless one is recorded: returns the run
   * id that holds the file (the given one, or the earlier one).
   */
  async claimRun(id: string, file: string, runId: string): Promise<string> {
    const key = this.keys.patchRequestRuns(id);
    const [[, set], [, current]] = (await this.redis
      .multi()
      .hsetnx(key, file, runId)
      .hget(key, file)
      .expire(key, TTL_SECONDS)
      .exec()) as [[unknown, number], [unknown, string]];
    return set ? runId : current;
  }

  /** The runs of a PatchRequest, by file. */
  async runs(id: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.patchRequestRuns(id));
  }
}
