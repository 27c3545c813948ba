import { shownValue } from '@patch-factory/contracts';
import { createHash } from 'node:crypto';
import { signingError, SigningErrorCode } from './signing-errors';

/** `sha256:<64 hex>`. */
export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
export const HEX64_RE = /^[0-9a-f]{64}$/;

/** `sha256:<hex>` of the bytes. */
export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The image digest, checked: `sha256:<64 lowercase hex>`. */
export function checkImageDigest(digest: unknown, where: string): string {
  if (typeof digest !== 'string' || !DIGEST_RE.test(digest)) {
    throw signingError(
      SigningErrorCode.inputInvalid,
      where,
      `image digest ${shownValue(digest)} is not sha256:<64 lowercase hex>`,
    );
  }
  return digest;
}

/** The hex part of a `sha256:<hex>` digest. */
export function digestHex(digest: string): string {
  return digest.slice('sha256:'.length);
}
