import { Redis } from 'ioredis';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { API_TOKEN_FORMAT, ApiTokenRepository } from './api-token.repository';
import { ROLES } from './principal';

describe('ApiTokenRepository on real Redis', () => {
  const prefix = testPrefix();
  let redis: Redis;
  let tokens: ApiTokenRepository;

  beforeAll(() => {
    redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: 1 });
    tokens = new ApiTokenRepository(redis, prefix);
  });
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  it('verifies only the exact token: another secret under a real id, a cut or padded token, or a revoked one is refused', async () => {
    const { token, info } = await tokens.create('ops', ROLES.operator, 'test');
    expect(await tokens.verify(token)).toEqual({
      tokenId: info.id,
      name: 'ops',
      scopes: ['read', 'trigger', 'replay', 'webhooks'],
    });
    const [, id, secret] = API_TOKEN_FORMAT.exec(token) as unknown as [string, string, string];
    expect(secret).toHaveLength(43);
    const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    for (const wrong of [
      `pf_${id}_${flipped}`,
      token.slice(0, -1),
      `${token}A`,
      ` ${token}`,
      token.toUpperCase(),
      `pf_${id}_`,
      '',
    ]) {
      expect({ wrong, principal: await tokens.verify(wrong) }).toEqual({ wrong, principal: undefined });
    }
    expect(await tokens.revoke(info.id)).toBe(true);
    expect(await tokens.verify(token)).toBeUndefined();
    expect(await tokens.revoke(info.id)).toBe(false);
  });

  it('makes one bootstrap admin token however many replicas ask at once, and none once tokens exist', async () => {
    const fresh = new ApiTokenRepository(redis, `${prefix}-boot`);
    const made = (await Promise.all(Array.from({ length: 8 }, () => fresh.createBootstrapAdmin(ROLES.admin)))).filter(
      Boolean,
    );
    expect(made).toHaveLength(1);
    expect((await fresh.verify(made[0] as string))?.scopes).toEqual(ROLES.admin);
    expect(await fresh.createBootstrapAdmin(ROLES.admin)).toBeUndefined();
    await dropPrefix(sharedRedisUrl(), `${prefix}-boot`);
  });
});
