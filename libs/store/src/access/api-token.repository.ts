import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SCOPES, type Principal, type Scope } from './principal';

/** A token as the holder sees it once: `pf_<16 hex id>_<43 base64url secret>`. */
export const API_TOKEN_FORMAT = /^pf_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const ID_FORMAT = /^[0-9a-f]{16}$/;

/** A stored token, without its secret. */
export interface ApiTokenInfo {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: number;
  /** The token id that created it (`bootstrap` for the first admin token). */
  createdBy: string;
}

const hashOf = (secret: string): Buffer => createHash('sha256').update(secret).digest();
/** Compared against when the id is unknown, so that a miss costs what a hit costs. */
const NO_HASH = hashOf('no such token');

/**
 * API tokens. Only a SHA-256 of each secret is stored (a token is 256 random bits, so a fast
 * hash is enough), compared in constant time; the secret is shown once, when it is made.
 */
export class ApiTokenRepository {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:access:token:${id}`;
  }
  private index(): string {
    return `${this.prefix}:access:tokens`;
  }

  /** Makes a token; answers its secret form (shown once) and what is stored. */
  async create(
    name: string,
    scopes: readonly Scope[],
    createdBy: string,
  ): Promise<{ token: string; info: ApiTokenInfo }> {
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const info: ApiTokenInfo = {
      id,
      name,
      scopes: [...new Set(scopes)].sort((a, b) => SCOPES.indexOf(a) - SCOPES.indexOf(b)),
      createdAt: Date.now(),
      createdBy,
    };
    await this.redis
      .multi()
      .hset(this.key(id), {
        hash: hashOf(secret).toString('hex'),
        name,
        scopes: info.scopes.join(','),
        createdAt: String(info.createdAt),
        createdBy,
      })
      .sadd(this.index(), id)
      .exec();
    return { token: `pf_${id}_${secret}`, info };
  }

  /**
   * The first admin token, made only when no token exists and no replica made one before
   * (a marker taken with SET NX): answers it once, undefined on every later start.
   */
  async createBootstrapAdmin(scopes: readonly Scope[]): Promise<string | undefined> {
    if ((await this.redis.scard(this.index())) > 0) return undefined;
    const taken = await this.redis.set(`${this.prefix}:access:bootstrapped`, String(Date.now()), 'NX');
    if (taken !== 'OK') return undefined;
    return (await this.create('bootstrap-admin', scopes, 'bootstrap')).token;
  }

  /** The principal a presented token stands for, or undefined (malformed, unknown, revoked or wrong secret). */
  async verify(presented: string): Promise<Principal | undefined> {
    const m = API_TOKEN_FORMAT.exec(presented);
    if (!m) return undefined;
    const [, id, secret] = m as unknown as [string, string, string];
    const [hash = null, name = null, scopes = null] = await this.redis.hmget(this.key(id), 'hash', 'name', 'scopes');
    const expected = hash && /^[0-9a-f]{64}$/.test(hash) ? Buffer.from(hash, 'hex') : NO_HASH;
    const matches = timingSafeEqual(hashOf(secret), expected) && expected !== NO_HASH;
    if (!matches || name === null || scopes === null) return undefined;
    return { tokenId: id, name, scopes: parseScopes(scopes) };
  }

  async list(): Promise<ApiTokenInfo[]> {
    const ids = (await this.redis.smembers(this.index())).filter((id) => ID_FORMAT.test(id)).sort();
    const infos = await Promise.all(ids.map((id) => this.get(id)));
    return infos.filter((i): i is ApiTokenInfo => !!i).sort((a, b) => a.createdAt - b.createdAt);
  }

  async get(id: string): Promise<ApiTokenInfo | undefined> {
    if (!ID_FORMAT.test(id)) return undefined;
    const [name = null, scopes = null, createdAt = null, createdBy = null] = await this.redis.hmget(
      this.key(id),
      'name',
      'scopes',
      'createdAt',
      'createdBy',
    );
    if (name === null || scopes === null) return undefined;
    return { id, name, scopes: parseScopes(scopes), createdAt: Number(createdAt ?? 0), createdBy: createdBy ?? '' };
  }

  /** Revokes a token at once (its next request is refused); false when there was none. */
  async revoke(id: string): Promise<boolean> {
    if (!ID_FORMAT.test(id)) return false;
    const [[, deleted]] = (await this.redis.multi().del(this.key(id)).srem(this.index(), id).exec()) as [
      [unknown, number],
      [unknown, number],
    ];
    return deleted === 1;
  }
}

function parseScopes(stored: string): Scope[] {
  return stored.split(',').filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
}
