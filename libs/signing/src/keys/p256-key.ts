import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { signingError, SigningErrorCode } from '../signing-errors';
import type { SigningKey } from './signing-key';

/** A verified ECDSA P-256 public key, with its stable id. */
export interface PublicKeyInfo {
  keyId: string;
  publicKeyPem: string;
  key: KeyObject;
}

/** What a key object is, for messages ("an RSA key (2048 bits)"); never its material. */
export function keyKind(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  if (type === 'ec') return `an EC key on curve ${details?.namedCurve ?? 'unknown'}`;
  if (type === 'rsa' || type === 'rsa-pss')
    return `an ${type.toUpperCase()} key${details?.modulusLength ? ` (${details.modulusLength} bits)` : ''}`;
  if (type === 'ed25519' || type === 'ed448') return `an ${type === 'ed25519' ? 'Ed25519' : 'Ed448'} key`;
  return `a ${type ?? 'symmetric'} key`;
}

/** Throws unless the key is ECDSA P-256. */
export function assertP256(key: KeyObject, where: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw signingError(
      SigningErrorCode.keyUnsupported,
      where,
      `holds ${keyKind(key)}; only ECDSA P-256 (prime256v1) keys are supported`,
    );
  }
}

/** hex sha256 of the SPKI DER of a public key. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** Parses a PEM public key (SPKI) for verification; ECDSA P-256 only. */
export function loadPublicKey(pem: string | Buffer, where = 'public key'): PublicKeyInfo {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw signingError(
      SigningErrorCode.keyInvalid,
      where,
      'is not a PEM public key (expected -----BEGIN PUBLIC KEY-----)',
    );
  }
  assertP256(key, where);
  return { keyId: keyIdOf(key), publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString(), key };
}

/**
 * A SigningKey from PEM private key text (PKCS#8 or SEC1, encrypted or not). `where` names
 * the source in errors (a file path, a secret name); the text itself never appears there.
 */
export function signingKeyFromPem(pem: string | Buffer, where: string, passphrase?: string | Buffer): SigningKey {
  const text = pem.toString('latin1');
  if (/-----BEGIN RSA PRIVATE KEY-----/.test(text)) {
    throw signingError(
      SigningErrorCode.keyUnsupported,
      where,
      'holds an RSA key (PKCS#1); only ECDSA P-256 (prime256v1) keys are supported',
    );
  }
  if (!/-----BEGIN (EC |ENCRYPTED )?PRIVATE KEY-----/.test(text)) {
    const what = /-----BEGIN ([A-Z0-9 ]{1,40})-----/.exec(text)?.[1];
    throw signingError(
      SigningErrorCode.keyInvalid,
      where,
      `is not a PEM private key (expected PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY"${what ? `, found "${what}"` : ''})`,
    );
  }
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text) || /Proc-Type:\s*4,ENCRYPTED/.test(text);
  if (encrypted && (passphrase === undefined || passphrase.length === 0)) {
    throw signingError(SigningErrorCode.keyInvalid, where, 'is encrypted and no passphrase was given');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem', ...(encrypted ? { passphrase } : {}) });
  } catch {
    throw signingError(
      SigningErrorCode.keyInvalid,
      where,
      encrypted ? 'cannot be decrypted: wrong passphrase or damaged key' : 'cannot be parsed as a PEM private key',
    );
  }
  return signingKeyFromKeyObject(key, where);
}

/** A SigningKey from a private KeyObject (P-256 only). */
export function signingKeyFromKeyObject(privateKey: KeyObject, where: string): SigningKey {
  if (privateKey.type !== 'private')
    throw signingError(SigningErrorCode.keyInvalid, where, `is a ${privateKey.type} key, not a private key`);
  assertP256(privateKey, where);
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (data: Buffer) =>
      new Promise<Buffer>((resolve, reject) => {
        cryptoSign('sha256', data, { key: privateKey, dsaEncoding: 'der' }, (error, signature) =>
          error ? reject(error) : resolve(signature),
        );
      }),
  };
}
