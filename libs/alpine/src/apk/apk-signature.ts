import { shown } from '@patch-factory/contracts';
import { createPublicKey, createVerify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApkErrorCode, apkTerminal } from '../alpine-errors';
import type { ApkTarFile } from './apk-tar';

/** A signature entry of an apk signature tar: the algorithm and the key file it names. */
export interface ApkSignature {
  algorithm: 'sha1' | 'sha256';
  keyName: string;
  signature: Buffer;
}

/** A key file name we look up: no path separators, no leading dot, at most 200 characters. */
const KEY_NAME = /^[A-Za-z0-9_@+][A-Za-z0-9_@+.-]{0,199}$/;
/** Most signature entries tried. */
const MAX_SIGNATURES = 8;
/** The largest signature (a 16384-bit RSA signature is 2 KiB) and key file read. */
const MAX_SIGNATURE_BYTES = 4096;
const MAX_KEY_BYTES = 16 * 1024;

/** The `.SIGN.RSA.<key>` (SHA-1) and `.SIGN.RSA256.<key>` (SHA-256) entries of a signature tar. */
export function signatureEntries(entries: ApkTarFile[]): ApkSignature[] {
  const out: ApkSignature[] = [];
  for (const e of entries) {
    const m = /^\.SIGN\.(RSA|RSA256)\.(.+)$/.exec(e.name);
    if (!m?.[2]) continue;
    out.push({ algorithm: m[1] === 'RSA256' ? 'sha256' : 'sha1', keyName: m[2], signature: e.data });
    if (out.length >= MAX_SIGNATURES) break;
  }
  return out;
}

async function readKey(keysDir: string, keyName: string): Promise<string | undefined> {
  if (!KEY_NAME.test(keyName)) return undefined;
  try {
    const pem = await readFile(join(keysDir, keyName));
    return pem.length <= MAX_KEY_BYTES ? pem.toString('latin1') : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw apkTerminal(
      ApkErrorCode.keysDirMissing,
      `cannot read the key ${shown(keyName, 80)} in ${shown(keysDir)}: ${shown((error as Error).message)}`,
      error,
    );
  }
}

/**
 * Verify `signed` (the raw bytes after the signature member) against the signatures, each
 * with the PEM public key of its name in `keysDir` (RSA PKCS#1 v1.5). Passes when one
 * signature by a known key verifies; returns that key's name. Throws TerminalError:
 * apk-index-unsigned (no signature), apk-signature-unknown-key (no named key is in
 * `keysDir`), apk-signature-bad (a known key's signature does not verify).
 */
export async function verifyApkSignature(
  signatures: ApkSignature[],
  signed: Buffer,
  keysDir: string,
  what: string,
): Promise<string> {
  if (signatures.length === 0)
    throw apkTerminal(ApkErrorCode.indexUnsigned, `${what} carries no .SIGN.RSA signature: refused`);
  let known = 0;
  for (const sig of signatures) {
    const pem = await readKey(keysDir, sig.keyName);
    if (pem === undefined) continue;
    known++;
    if (sig.signature.length === 0 || sig.signature.length > MAX_SIGNATURE_BYTES) continue;
    let ok = false;
    try {
      const key = createPublicKey(pem);
      ok =
        key.asymmetricKeyType === 'rsa' &&
        createVerify(sig.algorithm === 'sha256' ? 'RSA-SHA256' : 'RSA-SHA1')
          .update(signed)
          .verify(key, sig.signature);
    } catch {
      ok = false;
    }
    if (ok) return sig.keyName;
  }
  const names = signatures.map((s) => shown(s.keyName, 80)).join(', ');
  if (known === 0)
    throw apkTerminal(
      ApkErrorCode.signatureUnknownKey,
      `${what} is signed by ${names}, which is not in the keys directory ${shown(keysDir)}: add the key if you trust it`,
    );
  throw apkTerminal(
    ApkErrorCode.signatureBad,
    `${what}: the signature by ${names} does not verify; the index was altered or is corrupt`,
  );
}
