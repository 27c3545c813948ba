import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  activeSecrets,
  DEFAULT_ROTATION_OVERLAP_MS,
  newSubscriptionSecret,
  openActiveSecrets,
  rotateSecret,
} from './secret-rotation';
import { openSecret, parseSecretKey, resealSecret, sealSecret } from './sealed-secret';
import { SubscriptionSchema, type Subscription } from './subscription.schema';

const keyText = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const K1 = keyText('k1');
const K2 = keyText('k2');
const ring = parseSecretKey(K1);
const SUB_A = 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';
const SUB_B = 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8PA';
const secretArb = fc
  .string({ minLength: 1, maxLength: 60, unit: 'binary' })
  .filter((s) => Buffer.byteLength(s) <= 128 && Buffer.from(s).toString() === s);

describe('sealed secrets (AES-256-GCM, subscription id as AAD)', () => {
  it('seal then open gives the secret back, with a fresh nonce each time', () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        const a = sealSecret(ring, SUB_A, secret);
        const b = sealSecret(ring, SUB_A, secret);
        expect(a).not.toBe(b);
        return openSecret(ring, SUB_A, a) === secret && openSecret(ring, SUB_A, b) === secret;
      }),
      { numRuns: 300 },
    );
  });

  it('any flipped bit of the nonce or ciphertext makes it fail to open', () => {
    const sealed = sealSecret(ring, SUB_A, 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0');
    const [scheme, id, nonce, body] = sealed.split('.') as [string, string, string, string];
    const bytes = Buffer.concat([Buffer.from(nonce, 'base64url'), Buffer.from(body, 'base64url')]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length * 8 - 1 }), (bit) => {
        const flipped = Buffer.from(bytes);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        const altered = `${scheme}.${id}.${flipped.subarray(0, 12).toString('base64url')}.${flipped.subarray(12).toString('base64url')}`;
        expect(() => openSecret(ring, SUB_A, altered)).toThrow(
          expect.objectContaining({ code: 'webhook-sealed-secret-open-failed' }) as Error,
        );
      }),
      { numRuns: bytes.length * 8 },
    );
  });

  it('a sealed secret moved to another subscription does not open (AAD)', () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        expect(() => openSecret(ring, SUB_B, sealSecret(ring, SUB_A, secret))).toThrow(/does not open with key k1/);
      }),
      { numRuns: 100 },
    );
  });

  it('another key under the same id fails; an unknown key id is named', () => {
    const sealed = sealSecret(ring, SUB_A, 'whsec_x');
    expect(() => openSecret(parseSecretKey(keyText('k1')), SUB_A, sealed)).toThrow(
      expect.objectContaining({ code: 'webhook-sealed-secret-open-failed' }) as Error,
    );
    expect(() => openSecret(parseSecretKey(K2), SUB_A, sealed)).toThrow(
      /sealed with key k1, which the key setting no longer lists/,
    );
    expect(() => openSecret(ring, SUB_A, sealed.replace('.k1.', '.k9.'))).toThrow(
      expect.objectContaining({ code: 'webhook-sealed-secret-unknown-key' }) as Error,
    );
  });

  it('refuses malformed sealed secrets clearly', () => {
    for (const bad of [
      '',
      'whsec_plain',
      'pfs1.k1.x.y',
      'pfs1.K1.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbb',
      `pfs1.k1.${'a'.repeat(16)}.${'b'.repeat(10)}`,
      'pfs2.k1.a.b',
    ])
      expect(() => openSecret(ring, SUB_A, bad)).toThrow(
        expect.objectContaining({ code: 'webhook-sealed-secret-invalid' }) as Error,
      );
  });

  it('rotates keys: the first key seals, every listed key opens, resealing moves to the first', () => {
    const old = sealSecret(ring, SUB_A, 'whsec_x');
    const both = parseSecretKey(`${K2}, ${K1}`);
    expect(both.current.id).toBe('k2');
    expect(openSecret(both, SUB_A, old)).toBe('whsec_x');
    const resealed = resealSecret(both, SUB_A, old);
    expect(resealed.startsWith('pfs1.k2.')).toBe(true);
    expect(openSecret(parseSecretKey(K2), SUB_A, resealed)).toBe('whsec_x');
    expect(resealSecret(both, SUB_A, resealed)).toBe(resealed);
  });

  it.each([
    [undefined, /PF_WEBHOOK_SECRET_KEYS: is not set/],
    ['', /is not set/],
    ['nokey', /key 1 must be <key id>:<base64>/],
    ['K1:abc', /key 1 must be .*got id "K1"/],
    [`k1:${randomBytes(16).toString('base64')}`, /key k1 is not base64 of exactly 32 bytes/],
    [`k1:${randomBytes(32).toString('hex')}`, /key k1 is not base64 of exactly 32 bytes/],
    [`${K1},${K1}`, /key id k1 is listed twice/],
  ])('parseSecretKey(%j) fails naming the setting, never the key', (value, message) => {
    expect(() => parseSecretKey(value)).toThrow(message);
    try {
      parseSecretKey(value);
    } catch (e) {
      const material = value?.split(':')[1]?.split(',')[0];
      if (material) expect((e as Error).message).not.toContain(material);
    }
  });
});

describe('secret rotation', () => {
  const T0 = Date.UTC(2026, 11, 7);
  const created = (): { subscription: Subscription; secret: string } => {
    const { secret, secrets } = newSubscriptionSecret(ring, SUB_A);
    const subscription = SubscriptionSchema.parse({
      id: SUB_A,
      owner: 'team-a',
      url: 'https://h.example.org/',
      description: '',
      eventTypes: [],
      images: [],
      tags: [],
      enabled: true,
      createdAt: T0,
      updatedAt: T0,
      secrets,
    });
    return { subscription, secret };
  };

  it('signs with both secrets during the overlap and only the new one after it', () => {
    const { subscription, secret: first } = created();
    expect(first).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(openActiveSecrets(ring, subscription, T0)).toEqual([first]);
    const rotated = rotateSecret(ring, subscription, T0 + 1_000);
    expect(SubscriptionSchema.safeParse(rotated.subscription).success).toBe(true);
    expect(rotated.secret).not.toBe(first);
    const end = T0 + 1_000 + DEFAULT_ROTATION_OVERLAP_MS;
    expect(openActiveSecrets(ring, rotated.subscription, T0 + 1_000)).toEqual([rotated.secret, first]);
    expect(openActiveSecrets(ring, rotated.subscription, end - 1)).toEqual([rotated.secret, first]);
    expect(openActiveSecrets(ring, rotated.subscription, end)).toEqual([rotated.secret]);
    expect(activeSecrets(rotated.subscription, end + 1)).toHaveLength(1);
  });

  it('a second rotation within the overlap keeps two secrets, dropping the oldest; overlap 0 drops at once', () => {
    const { subscription, secret: first } = created();
    const r1 = rotateSecret(ring, subscription, T0 + 1);
    const r2 = rotateSecret(ring, r1.subscription, T0 + 2, 60_000);
    const now = openActiveSecrets(ring, r2.subscription, T0 + 3);
    expect(now).toEqual([r2.secret, r1.secret]);
    expect(now).not.toContain(first);
    expect(openActiveSecrets(ring, rotateSecret(ring, r2.subscription, T0 + 4, 0).subscription, T0 + 4)).toHaveLength(
      1,
    );
    expect(() => rotateSecret(ring, subscription, T0, -1)).toThrow(/a rotation overlap is 0 to/);
  });
});
