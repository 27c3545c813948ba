import { PipelineError } from '@patch-factory/contracts';
import { signingRetryable, SigningErrorCode } from '../signing-errors';
import type { SigningKey } from './signing-key';

/**
 * `key.sign(data)`, with a failure of the key's backend (a KMS that did not answer) turned
 * into a RetryableError naming the key; its message is not passed on (it might quote inputs).
 */
export async function signWith(key: SigningKey, data: Buffer): Promise<Buffer> {
  try {
    return await key.sign(data);
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    const code = (error as { code?: unknown }).code;
    throw signingRetryable(
      SigningErrorCode.signFailed,
      `key ${key.keyId}`,
      `signing failed (${error instanceof Error ? error.name : typeof error}${typeof code === 'string' ? ` ${code.slice(0, 60)}` : ''})`,
      error,
    );
  }
}
