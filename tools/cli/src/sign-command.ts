import { resolve } from 'node:path';
import { existingManifest } from '@patch-factory/oci';
import {
  BUILDER_ID,
  pushSignedArtifacts,
  runAttestations,
  runOutputsFromDir,
  signWithEvidence,
  signingKeyUri,
} from '@patch-factory/publishing';
import { attestationTag, loadSigningKey, signatureTag, type InTotoStatement } from '@patch-factory/signing';
import { expectPositionals, stringFlag, UsageError } from './args';
import type { Command } from './command';
import { commandFailure } from './command-error';
import { parseImageRef, registryClientFor, resolveImageDigest } from './image-ref';
import { safeText } from './terminal-text';

const NAME = 'sign';

export const signCommand: Command = {
  name: NAME,
  synopsis: '<host[:port]/repository:tag|@sha256:…> --key <key.pem> [--run-dir <dir>]',
  summary: 'sign an image in a registry (cosign signature, Sigstore bundle) and attach every attestation its run made',
  help: [
    'Signs the digest the reference names with an ECDSA P-256 key (a PEM file readable by its owner only;',
    'PF_SIGNING_KEY_PASSPHRASE for an encrypted one): a cosign simple-signing signature under',
    "sha256-<hex>.sig and a Sigstore bundle v0.3 as an OCI 1.1 referrer. With --run-dir (a run's",
    'directory under PF_BUILD_OUT_DIR, as the build, test and scan stages left it) it also attests what the',
    'run would: SLSA provenance, the CycloneDX and SPDX SBOMs, the OpenVEX document, the test and scan',
    'reports (DSSE under sha256-<hex>.att, and a bundle each). Existing signatures are kept.',
  ],
  flags: { key: 'string', 'run-dir': 'string' },
  async run(args, ctx) {
    const [raw] = expectPositionals(args, ['ref'], NAME);
    const keyPath = stringFlag(args, 'key');
    if (!keyPath) throw new UsageError('--key <key.pem> is required', NAME);
    const runDir = stringFlag(args, 'run-dir');
    const ref = parseImageRef(raw as string, NAME);
    try {
      const client = registryClientFor(ref, process.env);
      const digest = await resolveImageDigest(client, ref, NAME);
      const top = await client.getManifest(ref.repository, digest);
      const passphrase = process.env['PF_SIGNING_KEY_PASSPHRASE'];
      const key = await loadSigningKey(signingKeyUri(resolve(keyPath)), passphrase ? { passphrase } : {});
      const image = { name: `${ref.host}/${ref.repository}`, digest, mediaType: top.mediaType, size: top.bytes.length };
      let statements: InTotoStatement<object>[] = [];
      if (runDir) {
        const { outputs, source } = await runOutputsFromDir(resolve(runDir), digest);
        const now = new Date();
        statements = await runAttestations(image, outputs, {
          runId: resolve(runDir).split('/').pop() ?? 'cli',
          definition: source.definition,
          repository: source.repository,
          builderId: BUILDER_ID,
          startedOn: now,
          finishedOn: now,
        });
      }
      const existing = {
        signature: await existingManifest(client, ref.repository, signatureTag(digest)),
        attestations: await existingManifest(client, ref.repository, attestationTag(digest)),
      };
      const signed = await signWithEvidence({ key, image, statements, existing });
      // An image signed without a run directory has no attestations to push: keep only the signature's.
      const pushable =
        statements.length === 0 ? { ...signed, tags: signed.tags.filter((t) => t.tag.endsWith('.sig')) } : signed;
      const pushed = await pushSignedArtifacts(client, ref.repository, pushable);
      ctx.print(
        `signed ${image.name}@${digest} with key ${key.keyId}`,
        ...signed.predicateTypes.map((p) => `attested ${p}`),
        `pushed ${pushed.tags.join(', ')} and ${pushed.referrers.length} bundle referrer(s) (${[...new Set(pushed.referrers.map((r) => r.via))].join('/') || 'none'})`,
        digest,
      );
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw commandFailure(error, 'sign-failed', safeText);
    }
  },
};
