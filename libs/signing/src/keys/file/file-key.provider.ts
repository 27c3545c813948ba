import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { signingError, SigningErrorCode } from '../../signing-errors';
import { signingKeyFromPem } from '../p256-key';
import type { KeyLoadOptions, KeyProvider, SigningKey } from '../signing-key';

/** A PEM key is a few hundred bytes; anything larger is not a key file. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** Loads a PEM key from a local file, refusing one that group or others may read. */
export async function loadKeyFile(path: string, options: KeyLoadOptions = {}): Promise<SigningKey> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw signingError(
      SigningErrorCode.keyUnreadable,
      path,
      `cannot open the key file (${typeof code === 'string' ? code : 'error'})`,
    );
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw signingError(SigningErrorCode.keyUnreadable, path, 'is not a regular file');
    if ((st.mode & 0o077) !== 0) {
      throw signingError(
        SigningErrorCode.keyPermissions,
        path,
        `the key file has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, readable by group or others; run chmod 600 on it`,
      );
    }
    if (st.size > MAX_KEY_FILE_BYTES)
      throw signingError(
        SigningErrorCode.keyUnreadable,
        path,
        `is ${st.size} bytes, too large for a PEM key (at most ${MAX_KEY_FILE_BYTES})`,
      );
    const text = await handle.readFile();
    return signingKeyFromPem(text, path, options.passphrase);
  } finally {
    await handle.close();
  }
}

/** `file:/path/to/key.pem` (or `file:///path…`): a local PEM file, ECDSA P-256, PKCS#8 or SEC1, mode 0600. */
export const fileKeyProvider: KeyProvider = {
  scheme: 'file',
  load(uri: URL, options: KeyLoadOptions): Promise<SigningKey> {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      throw signingError(
        SigningErrorCode.keyUnreadable,
        uri.href,
        'is not a local file URI (expected file:/absolute/path)',
      );
    }
    return loadKeyFile(path, options);
  },
};
