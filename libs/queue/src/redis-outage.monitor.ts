import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import { REDIS_CONNECTION } from './queue.options';

/** Error codes of a socket that cannot reach the server (or lost it). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** Messages of the same, as ioredis and BullMQ word them; LOADING: a restarted server still reading its append-only file. */
const CONNECTION_MESSAGES =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|Stream isn't writeable|Socket closed unexpectedly|^LOADING /;
/** How often an outage checks whether the connection is back (besides ioredis' ready event). */
const RECOVERY_POLL_MS = 250;

/** True for errors that only say Redis cannot be reached right now (not a fault of a job or a command). */
export function isConnectionError(error: unknown): boolean {
  // Not `instanceof Error`: errors made by Node's own modules may come from another realm (a vm context, jest).
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return name === 'ConnectionClosedError' || (typeof message === 'string' && CONNECTION_MESSAGES.test(message));
}

/**
 * One log line when Redis becomes unreachable and one when it is back (with the outage's
 * length), per process: every connection of the process (the shared one, BullMQ's blocking
 * ones, each worker's and queue's error events) reports here, and the repeated connection
 * errors in between are not logged.
 */
@Injectable()
export class RedisOutageMonitor implements OnModuleInit, BeforeApplicationShutdown {
  private downSince: number | undefined;
  private poll: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    @Inject(REDIS_CONNECTION) private readonly redis: Redis,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.redis.on('error', (error: Error) => {
      if (!this.report(error, 'connection')) this.logger.error({ err: error.message }, 'redis connection error');
    });
    this.redis.on('ready', () => this.recovered());
  }

  /** Whether Redis is unreachable now, as far as this process has seen. */
  get down(): boolean {
    return this.downSince !== undefined;
  }

  /**
   * Takes an error seen by any Redis client of the process; returns true when it was a
   * connection error (logged once per outage, or not at all while shutting down), false when
   * the caller should log it itself.
   */
  report(error: unknown, source: string): boolean {
    if (!isConnectionError(error)) return false;
    if (this.closing || this.downSince !== undefined) return true;
    this.downSince = Date.now();
    this.logger.error({ err: String((error as { message?: unknown }).message), source }, 'redis unreachable');
    this.poll = setInterval(() => {
      if (this.redis.status === 'ready') this.recovered();
    }, RECOVERY_POLL_MS);
    this.poll.unref();
    return true;
  }

  private recovered(): void {
    if (this.downSince === undefined) return;
    const outageMs = Date.now() - this.downSince;
    this.downSince = undefined;
    clearInterval(this.poll);
    this.poll = undefined;
    if (!this.closing) this.logger.warn({ outageMs }, 'redis reachable again');
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    clearInterval(this.poll);
  }
}
