import { readFile } from 'node:fs/promises';
import { verifyImage } from '@patch-factory/publishing';
import { loadPublicKey } from '@patch-factory/signing';
import { expectPositionals, stringFlag, UsageError } from './args';
import type { Command } from './command';
import { CommandError } from './command-error';
import { parseImageRef, registryClientFor, resolveImageDigest } from './image-ref';
import { safeText } from './terminal-text';

const NAME = 'verify';

export const verifyCommand: Command = {
  name: NAME,
  synopsis: '<host[:port]/repository:tag|@sha256:…> --key <pub.pem>',
  summary: 'verify an image\'s signature, every attestation and every Sigstore bundle with a public key; exit 1 unless all pass',
  help: [
    'Checks with nothing but the public key: each cosign signature (sha256-<hex>.sig) verifies and names',
    'this digest; each attestation (sha256-<hex>.att) verifies and every subject is this digest; each',
    'Sigstore bundle among the referrers verifies with @sigstore/verify. Prints one line per check.',
  ],
  flags: { key: 'string' },
  async run(args, ctx) {
    const [raw] = expectPositionals(args, ['ref'], NAME);
    const keyPath = stringFlag(args, 'key');
    if (!keyPath) throw new UsageError('--key <pub.pem> is required', NAME);
    const ref = parseImageRef(raw as string, NAME);
    let result;
    try {
      const key = loadPublicKey(await readFile(keyPath), keyPath);
      const client = registryClientFor(ref, process.env);
      const digest = await resolveImageDigest(client, ref, NAME);
      result = await verifyImage(client, ref.repository, digest, key);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      const code = (error as { code?: unknown }).code;
      throw new CommandError(typeof code === 'string' ? code : 'verify-failed', safeText((error as Error).message));
    }
    for (const c of result.checks) ctx.print(safeText(`${c.ok ? 'ok  ' : 'FAIL'} ${c.kind} ${c.what}: ${c.message}`));
    const failedCount = result.checks.filter((c) => !c.ok).length;
    ctx.print(failedCount === 0 ? `verified ${ref.host}/${ref.repository}@${result.digest}: ${result.checks.length} checks passed` : `NOT verified ${ref.host}/${ref.repository}@${result.digest}: ${failedCount} of ${result.checks.length} checks failed`);
    return failedCount === 0 ? 0 : 1;
  },
};
