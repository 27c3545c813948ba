import type { Signature, Signer } from '@sigstore/sign';
import { signWith } from '../keys/sign-with';
import type { SigningKey } from '../keys/signing-key';

/** A `@sigstore/sign` Signer over a SigningKey: public key material with the key id as hint, no certificate. */
export function keySigner(key: SigningKey): Signer {
  return {
    sign: async (data: Buffer): Promise<Signature> => ({
      signature: await signWith(key, data),
      key: { $case: 'publicKey', publicKey: key.publicKeyPem, hint: key.keyId },
    }),
  };
}
