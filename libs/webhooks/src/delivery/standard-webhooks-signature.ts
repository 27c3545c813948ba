import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { shown } from '@patch-factory/contracts';
import { WebhooksErrorCode, webhooksError } from '../webhooks-errors';

/**
 * Standard Webhooks (standardwebhooks.com, v1 symmetric): a secret is `whsec_` + base64 of 24 to
 * 64 random bytes; the signed content is `${webhook-id}.${webhook-timestamp}.${body}`; the
 * `webhook-signature` header is space-separated `v1,<base64 HMAC-SHA256>`, one per active secret
 * (two during a rotation).
 */
export const SECRET_PREFIX = 'whsec_';
export const SECRET_MIN_BYTES = 24;
export const SECRET_MAX_BYTES = 64;
/** Default tolerance of `webhook-timestamp` around the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** The three headers of a signed delivery. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A message id: a `.` would make the signed content ambiguous (`a.1` + `2` vs `a` + `1.2`). */
const MESSAGE_ID = /^[A-Za-z0-9_:-]{1,255}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Bounds on what a receiver parses from hostile headers. */
const MAX_SIGNATURE_HEADER = 4096;
const MAX_SIGNATURES = 16;

/** A new random secret, `whsec_` + base64 of `bytes` random bytes (32 by default). */
export function generateSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < SECRET_MIN_BYTES || bytes > SECRET_MAX_BYTES) {
    throw webhooksError(
      WebhooksErrorCode.secretInvalid,
      'generateSecret',
      `${bytes} bytes is outside ${SECRET_MIN_BYTES}–${SECRET_MAX_BYTES}`,
    );
  }
  return `${SECRET_PREFIX}${randomBytes(bytes).toString('base64')}`;
}

/** The key bytes of a `whsec_` secret; throws `webhook-secret-invalid` (never showing the secret). */
export function secretKey(secret: string, where = 'webhook secret'): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw webhooksError(WebhooksErrorCode.secretInvalid, where, `does not start with ${SECRET_PREFIX}`);
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) throw webhooksError(WebhooksErrorCode.secretInvalid, where, 'is not base64 after whsec_');
  const key = Buffer.from(encoded, 'base64');
  if (key.length < SECRET_MIN_BYTES || key.length > SECRET_MAX_BYTES) {
    throw webhooksError(
      WebhooksErrorCode.secretInvalid,
      where,
      `decodes to ${key.length} bytes, not ${SECRET_MIN_BYTES}–${SECRET_MAX_BYTES}`,
    );
  }
  return key;
}

function checkMessageId(id: string): void {
  if (!MESSAGE_ID.test(id)) {
    throw webhooksError(
      WebhooksErrorCode.messageIdInvalid,
      `webhook-id ${JSON.stringify(shown(id, 60))}`,
      'must be 1 to 255 characters of A-Z a-z 0-9 _ : -',
    );
  }
}

function hmac(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

export interface SignInput {
  /** The message id: the same on every retry of one delivery. */
  readonly id: string;
  /** Unix seconds of this attempt. */
  readonly timestamp: number;
  /** The exact bytes sent (a string is sent as UTF-8). */
  readonly body: string | Uint8Array;
  /** Every active secret (the new and the old one during a rotation); at least one. */
  readonly secrets: readonly string[];
}

/** The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers of one attempt. */
export function signedHeaders(input: SignInput): SignedHeaders {
  checkMessageId(input.id);
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) {
    throw webhooksError(
      WebhooksErrorCode.timestampInvalid,
      'webhook-timestamp',
      `${input.timestamp} is not unix seconds`,
    );
  }
  if (input.secrets.length === 0) throw webhooksError(WebhooksErrorCode.secretInvalid, 'signedHeaders', 'no secret');
  const signatures = input.secrets.map(
    (secret, i) =>
      `v1,${hmac(secretKey(secret, `secret[${i}]`), input.id, input.timestamp, input.body).toString('base64')}`,
  );
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signatures.join(' '),
  };
}

export interface VerifyInput {
  /** The request's headers (names in any case; node's IncomingHttpHeaders fits). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body, exactly as received. */
  readonly body: string | Uint8Array;
  /** The secrets the receiver accepts (any one matching is enough). */
  readonly secrets: readonly string[];
  /** Unix seconds now (injectable clock). */
  readonly nowSeconds?: number;
  readonly toleranceSeconds?: number;
}

/**
 * Verify a delivery: the three headers present, the timestamp within the tolerance, and any `v1,`
 * signature matching any secret (constant-time compare). Returns the message id and timestamp;
 * throws `webhook-headers-missing`, `webhook-timestamp-invalid`, `webhook-timestamp-out-of-tolerance`,
 * `webhook-message-id-invalid` or `webhook-signature-mismatch`.
 */
export function verifySignature(input: VerifyInput): { id: string; timestamp: number } {
  const header = (name: string): string | undefined => {
    const key = Object.keys(input.headers).find((k) => k.toLowerCase() === name);
    const value = key === undefined ? undefined : input.headers[key];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = header('webhook-id');
  const stamp = header('webhook-timestamp');
  const signature = header('webhook-signature');
  if (!id || !stamp || !signature) {
    throw webhooksError(
      WebhooksErrorCode.headersMissing,
      'delivery',
      'webhook-id, webhook-timestamp and webhook-signature are all required',
    );
  }
  checkMessageId(id);
  if (!/^\d{1,12}$/.test(stamp)) {
    throw webhooksError(
      WebhooksErrorCode.timestampInvalid,
      `webhook-timestamp ${JSON.stringify(shown(stamp, 30))}`,
      'is not unix seconds',
    );
  }
  const timestamp = Number(stamp);
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) {
    throw webhooksError(
      WebhooksErrorCode.timestampOutOfTolerance,
      `webhook-timestamp ${timestamp}`,
      `is ${now - timestamp} s from now, beyond the tolerance of ${tolerance} s (a replay, or a clock off)`,
    );
  }
  if (signature.length > MAX_SIGNATURE_HEADER) {
    throw webhooksError(
      WebhooksErrorCode.signatureMismatch,
      'webhook-signature',
      `longer than ${MAX_SIGNATURE_HEADER} characters`,
    );
  }
  const offered = signature
    .split(' ')
    .slice(0, MAX_SIGNATURES)
    .filter((s) => /^v1,[A-Za-z0-9+/]{43}=$/.test(s))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  const matched = input.secrets.some((secret, i) => {
    const expected = hmac(secretKey(secret, `secret[${i}]`), id, timestamp, input.body);
    // Compare against every offered signature (no early exit on the first match's position).
    return offered.map((b) => timingSafeEqual(b, expected)).includes(true);
  });
  if (!matched) {
    throw webhooksError(
      WebhooksErrorCode.signatureMismatch,
      `webhook-id ${id}`,
      'no v1 signature matches the secret(s)',
    );
  }
  return { id, timestamp };
}
