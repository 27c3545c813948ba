import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { TerminalError } from '@patch-factory/contracts';
import { STORE_PREFIX, STORE_REDIS } from '@patch-factory/store';

/** How long a trigger's Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** `Idempotency-Key`: 1–255 visible ASCII characters (a UUID is typical). */
export const IdempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'expected 1 to 255 visible ASCII characters (a UUID, for example)');

/** What a key was first used for: the run it created and a fingerprint of the request. */
interface Remembered {
  runId: string;
  request: string;
}

/**
 * The Idempotency-Key of POST /runs: a client that did not hear the answer (timeout, reset,
 * crash) retries with the same key and gets the same run, not a second one. The key is
 * reserved (SET NX, 24 h) with the run id before the run is created, so two concurrent
 * requests with one key agree on one id; under appendfsync always (infra/redis.conf) the
 * reservation is on disk before the run is. Keys are stored hashed, per installation prefix.
 */
@Injectable()
export class TriggerIdempotency {
  constructor(
    @Inject(STORE_REDIS) private readonly redis: Redis,
    @Inject(STORE_PREFIX) private readonly prefix: string,
  ) {}

  private key(idempotencyKey: string): string {
    return `${this.prefix}:idempotency:runs:${createHash('sha256').update(idempotencyKey).digest('hex')}`;
  }

  /** A stable fingerprint of what was asked (the parsed body), so a key reused for another request is refused. */
  static fingerprint(request: unknown): string {
    return createHash('sha256').update(JSON.stringify(request)).digest('hex');
  }

  /**
   * The run id for this key: `candidate` when the key is new (reserved now: `fresh`), or the
   * id it was first used for. A key reused with another request is refused (`idempotency-key-reused`).
   */
  async reserve(
    idempotencyKey: string,
    request: string,
    candidate: string,
  ): Promise<{ runId: string; fresh: boolean }> {
    const key = this.key(idempotencyKey);
    const mine: Remembered = { runId: candidate, request };
    const set = await this.redis.set(key, JSON.stringify(mine), 'EX', IDEMPOTENCY_TTL_SECONDS, 'NX');
    if (set === 'OK') return { runId: candidate, fresh: true };
    const raw = await this.redis.get(key);
    if (raw === null) {
      // Expired between the two calls: take it now.
      return this.reserve(idempotencyKey, request, candidate);
    }
    const seen = JSON.parse(raw) as Remembered;
    if (seen.request !== request) {
      throw new TerminalError(
        'idempotency-key-reused',
        'Idempotency-Key header: this key was already used for a different request in the last 24 h; use a new key for a new request',
      );
    }
    return { runId: seen.runId, fresh: false };
  }

  /** Forgets a key whose request was refused (nothing was created), if it still names `runId`. */
  async release(idempotencyKey: string, runId: string): Promise<void> {
    const key = this.key(idempotencyKey);
    const raw = await this.redis.get(key);
    if (raw !== null && (JSON.parse(raw) as Remembered).runId === runId) await this.redis.del(key);
  }
}
