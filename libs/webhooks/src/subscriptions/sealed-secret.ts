import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { shown } from '@patch-factory/contracts';
import { webhooksError, WebhooksErrorCode } from '../webhooks-errors';

/**
 * Sealed subscription secrets: what Redis stores instead of a webhook secret, so that a read of
 * Redis alone (a dump, a replica, a backup) does not give the secrets away.
 *
 * Scheme: AES-256-GCM with a 256-bit key from the environment, a fresh random 96-bit nonce per
 * seal, and as additional authenticated data the scheme, the key id and the subscription id.
 * Sealed form: `pfs1.<key id>.<nonce, base64url>.<ciphertext and 128-bit tag, base64url>`.
 *
 * Why GCM: an AEAD, so a sealed secret that was altered (any bit) does not open, instead of
 * opening to garbage; it authenticates data it does not encrypt, which binds a sealed secret to
 * its subscription (copied into another subscription's record, it does not open, so a write
 * access to Redis cannot make one endpoint sign with another's secret); it is in node:crypto
 * (OpenSSL, hardware AES), no dependency; a 96-bit random nonce is safe for far more seals per key
 * (2^32) than a factory will ever make. AES-GCM-SIV would forgive nonce reuse but node has none.
 * The key id in front lets keys rotate: the setting lists several keys, the first seals, every
 * one opens (resealSecret moves a secret to the first key), and a removed key's secrets fail to
 * open with a message naming the key id.
 */

const SCHEME = 'pfs1';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MAX_SECRET_BYTES = 128;
const KEY_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** The keys that seal (the first) and open (any) subscription secrets. */
export interface SecretKeyring {
  readonly current: { readonly id: string; readonly key: Buffer };
  readonly keys: ReadonlyMap<string, Buffer>;
}

/**
 * The keyring in the setting `value` (`variable` names it in errors): comma-separated
 * `<key id>:<base64 of 32 random bytes>` (e.g. `k2:…,k1:…`), the first sealing. The errors name
 * the variable and the entry's position, never the key material.
 */
export function parseSecretKey(value: string | undefined, variable = 'PF_WEBHOOK_SECRET_KEYS'): SecretKeyring {
  const fail = (message: string) => webhooksError(WebhooksErrorCode.secretKeyInvalid, variable, message);
  if (value === undefined || value.trim() === '')
    throw fail('is not set: give <key id>:<base64 of 32 random bytes> (e.g. from `openssl rand -base64 32`)');
  const entries = value.split(',').map((e) => e.trim());
  if (entries.length > 16) throw fail(`lists ${entries.length} keys; at most 16`);
  const keys = new Map<string, Buffer>();
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    const material = colon < 0 ? '' : entry.slice(colon + 1);
    if (!KEY_ID.test(id))
      throw fail(
        `key ${i + 1} must be <key id>:<base64>, the id of a-z 0-9 - (at most 32), got id ${JSON.stringify(shown(id, 40))}`,
      );
    if (keys.has(id)) throw fail(`key id ${id} is listed twice`);
    const key = Buffer.from(material, 'base64');
    if (
      !/^[A-Za-z0-9+/]+={0,2}$/.test(material) ||
      key.length !== KEY_BYTES ||
      key.toString('base64').replace(/=+$/, '') !== material.replace(/=+$/, '')
    )
      throw fail(`key ${id} is not base64 of exactly ${KEY_BYTES} bytes`);
    keys.set(id, key);
  });
  const [firstId] = keys.keys();
  return { current: { id: firstId as string, key: keys.get(firstId as string) as Buffer }, keys };
}

function aad(keyId: string, subscriptionId: string): Buffer {
  return Buffer.from(`${SCHEME}\0${keyId}\0${subscriptionId}`, 'utf8');
}

/** `secret` sealed for subscription `subscriptionId` with the keyring's current key. */
export function sealSecret(keyring: SecretKeyring, subscriptionId: string, secret: string): string {
  const plain = Buffer.from(secret, 'utf8');
  if (plain.length === 0 || plain.length > MAX_SECRET_BYTES)
    throw webhooksError(
      WebhooksErrorCode.secretInvalid,
      `subscription ${subscriptionId}`,
      `a secret to seal has 1 to ${MAX_SECRET_BYTES} bytes`,
    );
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(keyring.current.id, subscriptionId));
  const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return `${SCHEME}.${keyring.current.id}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

/** The secret in `sealed`, which must have been sealed for `subscriptionId` with a key of the keyring. */
export function openSecret(keyring: SecretKeyring, subscriptionId: string, sealed: string): string {
  const where = `the sealed secret of subscription ${subscriptionId}`;
  const parts = sealed.split('.');
  const [scheme, keyId, nonceText, bodyText] = parts;
  if (
    parts.length !== 4 ||
    scheme !== SCHEME ||
    !KEY_ID.test(keyId ?? '') ||
    !/^[A-Za-z0-9_-]+$/.test(nonceText ?? '') ||
    !/^[A-Za-z0-9_-]+$/.test(bodyText ?? '')
  )
    throw webhooksError(WebhooksErrorCode.sealedSecretInvalid, where, `is not ${SCHEME}.<key id>.<nonce>.<ciphertext>`);
  const nonce = Buffer.from(nonceText as string, 'base64url');
  const body = Buffer.from(bodyText as string, 'base64url');
  if (nonce.length !== NONCE_BYTES || body.length <= TAG_BYTES || body.length > MAX_SECRET_BYTES + TAG_BYTES)
    throw webhooksError(WebhooksErrorCode.sealedSecretInvalid, where, `has a nonce or ciphertext of the wrong size`);
  const key = keyring.keys.get(keyId as string);
  if (!key)
    throw webhooksError(
      WebhooksErrorCode.sealedSecretUnknownKey,
      where,
      `was sealed with key ${keyId}, which the key setting no longer lists (keep an old key until every secret is resealed)`,
    );
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(keyId as string, subscriptionId));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw webhooksError(
      WebhooksErrorCode.sealedSecretOpenFailed,
      where,
      `does not open with key ${keyId}: it was altered, sealed for another subscription, or sealed with another key of that id`,
    );
  }
}

/** `sealed` under the keyring's current key (unchanged when it is sealed with it already): for key rotation. */
export function resealSecret(keyring: SecretKeyring, subscriptionId: string, sealed: string): string {
  const secret = openSecret(keyring, subscriptionId, sealed);
  return sealed.startsWith(`${SCHEME}.${keyring.current.id}.`) ? sealed : sealSecret(keyring, subscriptionId, secret);
}
