import { createHash, verify as cryptoVerify } from 'node:crypto';
import { loadPublicKey } from './p256-key';
import type { SigningKey } from './signing-key';

/** A signature made earlier, by what it signed (hex sha256 of the signed bytes). */
export interface KnownSignature {
  dataSha256: string;
  /** base64 DER ECDSA signature. */
  signature: string;
}

/**
 * `key`, answering with a signature made earlier (found in the registry: a `.sig` layer's
 * annotation, an `.att` layer's) for bytes it has signed before, when that signature verifies
 * over the same bytes with this key; else a new signature. ECDSA signatures differ each time:
 * without this, an unchanged re-sign of the same image makes new signature layers, bundles and
 * referrers at every run. With it, signing the same bytes again gives the same bytes out.
 */
export function reusingKey(key: SigningKey, known: readonly KnownSignature[]): SigningKey {
  if (known.length === 0) return key;
  const byData = new Map<string, string[]>();
  for (const k of known) byData.set(k.dataSha256, [...(byData.get(k.dataSha256) ?? []), k.signature]);
  const publicKey = loadPublicKey(key.publicKeyPem, `key ${key.keyId}`).key;
  return {
    keyId: key.keyId,
    publicKeyPem: key.publicKeyPem,
    sign: async (data: Buffer): Promise<Buffer> => {
      const candidates = byData.get(createHash('sha256').update(data).digest('hex')) ?? [];
      for (const candidate of candidates) {
        const signature = Buffer.from(candidate, 'base64');
        if (verifies(publicKey, data, signature)) return signature;
      }
      return key.sign(data);
    },
  };
}

function verifies(publicKey: ReturnType<typeof loadPublicKey>['key'], data: Buffer, signature: Buffer): boolean {
  try {
    return cryptoVerify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
