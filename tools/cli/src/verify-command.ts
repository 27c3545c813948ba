import { readFile } from 'node:fs/promises';
import { loadPublicKey, verifyImage } from '@patch-factory/signing';
import { expectPositionals, stringFlag, UsageError } from './args';
import type { Command } from './command';
import { commandFailure } from './command-error';
import { parseImageRef, registryClientFor, resolveImageDigest } from './image-ref';
import { safeText } from './terminal-text';

const NAME = 'verify';

export const verifyCommand: Command = {
  name: NAME,
  synopsis: '<host[:port]/repository:tag|@sha256:…> --key <pub.pem>',
  summary:
    "verify an image's signature, every attestation and every Sigstore bundle with a public key; exit 1 unless all pass",
  help: [
    'Checks with nothing but the public key: each cosign signature (sha256-<hex>.sig) verifies and names',
    'this digest; each attestation (sha256-<hex>.att) verifies and every subject is this digest; each',
    'Sigstore bundle among the referrers verifies with @sigstore/verify. Prints one line per check: ok,',
    'skip (signed by another key, or changed since: vouches for nothing), FAIL (malformed, or signed by this',
    'key for another image). Exit 0 when a signature verifies, nothing failed and every attested type has',
    'an attestation that verifies.',
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
      throw commandFailure(error, 'verify-failed', safeText);
    }
    const label = { verified: 'ok  ', 'other-key': 'skip', failed: 'FAIL' } as const;
    for (const c of result.checks) ctx.print(safeText(`${label[c.outcome]} ${c.kind} ${c.what}: ${c.message}`));
    const count = (o: string) => result.checks.filter((c) => c.outcome === o).length;
    const tally = `${count('verified')} verified, ${count('other-key')} not by this key, ${count('failed')} failed`;
    ctx.print(
      result.ok
        ? `verified ${ref.host}/${ref.repository}@${result.digest}: ${tally}`
        : `NOT verified ${ref.host}/${ref.repository}@${result.digest}: ${tally} (needs a signature by this key, nothing failed, and a verified attestation of every type)`,
    );
    return result.ok ? 0 : 1;
  },
};
