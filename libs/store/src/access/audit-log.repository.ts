import type { Redis } from 'ioredis';

/** One audited request: who, what, when, and the outcome. */
export interface AuditEntry {
  /** Stream entry id (time-ordered). */
  id: string;
  at: number;
  /** The token id, `anonymous` (no valid token) or the webhook that signed it (`github-webhook`). */
  actor: string;
  /** The token's name, when there was one. */
  actorName?: string;
  method: string;
  /** The path without its query. */
  path: string;
  status: number;
  outcome: 'ok' | 'refused' | 'failed';
  requestId?: string;
  remote?: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'outcome'>;

const outcomeOf = (status: number): AuditEntry['outcome'] =>
  status < 400 ? 'ok' : status < 500 ? 'refused' : 'failed';

/**
 * The audit log: a Redis stream capped at `maxEntries` (approximately: Redis trims whole
 * nodes), newest read first.
 */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxEntries: number,
  ) {}

  private key(): string {
    return `${this.prefix}:access:audit`;
  }

  async append(entry: NewAuditEntry): Promise<void> {
    const fields: string[] = [
      'at',
      String(entry.at),
      'actor',
      entry.actor,
      'method',
      entry.method,
      'path',
      entry.path.slice(0, 512),
      'status',
      String(entry.status),
    ];
    if (entry.actorName) fields.push('actorName', entry.actorName);
    if (entry.requestId) fields.push('requestId', entry.requestId.slice(0, 128));
    if (entry.remote) fields.push('remote', entry.remote.slice(0, 64));
    await this.redis.xadd(this.key(), 'MAXLEN', '~', String(this.maxEntries), '*', ...fields);
  }

  /** Newest first; `actor` filters on the token id. */
  async list(limit: number, actor?: string): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    let end = '+';
    // Bounded: at most 20 pages of 500 when filtering by actor.
    for (let page = 0; page < 20 && out.length < limit; page++) {
      const rows = await this.redis.xrevrange(this.key(), end, '-', 'COUNT', actor ? 500 : limit);
      for (const [id, flat] of rows) {
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i] as string] = flat[i + 1] as string;
        if (actor && f['actor'] !== actor) continue;
        const status = Number(f['status']);
        out.push({
          id,
          at: Number(f['at']),
          actor: f['actor'] ?? 'unknown',
          ...(f['actorName'] ? { actorName: f['actorName'] } : {}),
          method: f['method'] ?? '',
          path: f['path'] ?? '',
          status,
          outcome: outcomeOf(status),
          ...(f['requestId'] ? { requestId: f['requestId'] } : {}),
          ...(f['remote'] ? { remote: f['remote'] } : {}),
        });
        if (out.length >= limit) break;
      }
      if (!actor || rows.length < 500) break;
      end = `(${rows[rows.length - 1]![0]}`;
    }
    return out;
  }
}
