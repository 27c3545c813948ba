import { existingManifest, parseManifest, type RegistryWriter } from '@patch-factory/oci';
import { PREDICATE_TYPE_ANNOTATION } from './attest/attestation-manifest';
import { verifyAttestation } from './attest/verify-attestation';
import { SIGSTORE_BUNDLE_MEDIA_TYPE } from './bundle/sigstore-bundles';
import { verifyBundle } from './bundle/verify-bundle';
import { COSIGN_SIGNATURE_ANNOTATION } from './cosign/signature-manifest';
import { attestationTag, signatureTag } from './cosign/cosign-tags';
import { verifySimpleSigning } from './cosign/verify-simple-signing';
import type { PublicKeyInfo } from './keys/p256-key';

/**
 * How one signature, attestation or bundle fared: `verified` with the key; `other-key` when its
 * signature does not verify with the key (another signer's — or a payload changed since, which
 * the key cannot tell apart: either way it vouches for nothing and is not counted); `failed`
 * when it is malformed, or validly signed with the key but for another image or type.
 */
export type VerifyOutcome = 'verified' | 'other-key' | 'failed';

/** One thing checked, and its outcome. */
export interface VerifyCheck {
  kind: 'signature' | 'attestation' | 'bundle';
  /** What it is about (`simple signing`, a predicate type, a referrer digest). */
  what: string;
  outcome: VerifyOutcome;
  message: string;
}

/**
 * What verifyImage found. ok, as cosign decides it: at least one cosign signature verifies with
 * the key, nothing the key signed is about another image (`failed`), and every predicate type
 * attested has at least one attestation that verifies.
 */
export interface ImageVerification {
  repository: string;
  digest: string;
  ok: boolean;
  checks: VerifyCheck[];
}

const MAX_EVIDENCE_BYTES = 64 * 1024 * 1024;
/** Most layers of a `.sig`/`.att` manifest, and referrers, checked (a hostile registry may list many). */
const MAX_LAYERS = 1000;

/**
 * Verifies an image in `repo` the way a consumer would, with nothing but the public key: every
 * cosign signature (`sha256-<hex>.sig`: the signature over the payload, and that the payload
 * names this digest), every attestation (`.att`: the DSSE signature, and that every subject is
 * this digest), and every Sigstore bundle among its referrers (with @sigstore/verify). An image
 * with no signature does not verify.
 */
export async function verifyImage(
  client: RegistryWriter,
  repo: string,
  digest: string,
  key: PublicKeyInfo,
  signal?: AbortSignal,
): Promise<ImageVerification> {
  const checks: VerifyCheck[] = [];
  const payloads: Buffer[] = [];
  const layersOf = async (tag: string) => {
    const bytes = await existingManifest(client, repo, tag, signal);
    const layers = bytes
      ? parseManifest(bytes, undefined, `${repo}:${tag}`).blobs.filter(
          (b) => b.mediaType !== 'application/vnd.oci.image.config.v1+json',
        )
      : [];
    if (layers.length > MAX_LAYERS) {
      checks.push({
        kind: tag.endsWith('.sig') ? 'signature' : 'attestation',
        what: tag,
        outcome: 'failed',
        message: `${tag} has ${layers.length} layers, more than the ${MAX_LAYERS} checked`,
      });
      return layers.slice(0, MAX_LAYERS);
    }
    return layers;
  };
  const blob = (d: string, size: number) =>
    client.getBlob(repo, d, {
      maxBytes: Math.min(Math.max(size, 1), MAX_EVIDENCE_BYTES),
      ...(signal ? { signal } : {}),
    });

  for (const layer of await layersOf(signatureTag(digest))) {
    const payload = await blob(layer.digest, layer.size);
    const signature = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION] ?? '';
    const result = verifySimpleSigning({ payload, signature, publicKey: key, imageDigest: digest });
    if (result.ok) payloads.push(payload);
    checks.push({
      kind: 'signature',
      what: 'cosign simple signing',
      outcome: outcomeOf(result),
      message: result.ok
        ? `signed by ${key.keyId.slice(0, 16)}… for ${result.value.critical.identity['docker-reference']}`
        : result.message,
    });
  }
  if (!checks.some((c) => c.kind === 'signature'))
    checks.push({
      kind: 'signature',
      what: 'cosign simple signing',
      outcome: 'failed',
      message: `no signature: ${repo} has no ${signatureTag(digest)}`,
    });

  for (const layer of await layersOf(attestationTag(digest))) {
    const envelope = parseJson(await blob(layer.digest, layer.size));
    const result =
      envelope === undefined
        ? ({ ok: false, reason: 'malformed', message: `layer ${layer.digest} is not JSON` } as const)
        : verifyAttestation(envelope, key, digest);
    const what = layer.annotations?.[PREDICATE_TYPE_ANNOTATION] ?? 'attestation';
    const declared = result.ok && result.value.predicateType !== what ? ` (the layer says ${what})` : '';
    checks.push({
      kind: 'attestation',
      what: result.ok ? result.value.predicateType : what,
      outcome: declared === '' ? outcomeOf(result) : 'failed',
      message: result.ok ? `subject ${digest}${declared}` : result.message,
    });
  }

  for (const referrer of (await client.listReferrers(repo, digest, undefined, signal)).manifests.slice(0, MAX_LAYERS)) {
    if (referrer.artifactType !== SIGSTORE_BUNDLE_MEDIA_TYPE) continue;
    const pulled = await client.getManifest(repo, referrer.digest, signal);
    const layer = parseManifest(pulled.bytes, pulled.mediaType, `${repo}@${referrer.digest}`).blobs.find(
      (b) => b.mediaType === SIGSTORE_BUNDLE_MEDIA_TYPE,
    );
    if (!layer) {
      checks.push({
        kind: 'bundle',
        what: referrer.digest,
        outcome: 'failed',
        message: 'the referrer holds no bundle layer',
      });
      continue;
    }
    const bundleJson = parseJson(await blob(layer.digest, layer.size)) as { dsseEnvelope?: unknown } | undefined;
    if (bundleJson === undefined || typeof bundleJson !== 'object' || bundleJson === null) {
      checks.push({
        kind: 'bundle',
        what: referrer.digest,
        outcome: 'failed',
        message: `the bundle layer ${layer.digest} is not a JSON object`,
      });
      continue;
    }
    const result =
      bundleJson.dsseEnvelope !== undefined
        ? verifyBundle(bundleJson, [key])
        : verifyWithAnyPayload(bundleJson, key, payloads);
    const subject =
      result.ok && bundleJson.dsseEnvelope !== undefined
        ? verifyAttestation(bundleJson.dsseEnvelope, key, digest)
        : undefined;
    const outcome = !result.ok ? outcomeOf(result) : subject && !subject.ok ? outcomeOf(subject) : 'verified';
    const what = subject?.ok ? `${subject.value.predicateType} bundle` : `bundle ${referrer.digest.slice(0, 19)}…`;
    checks.push({
      kind: 'bundle',
      what,
      outcome,
      message: !result.ok
        ? result.message
        : subject && !subject.ok
          ? subject.message
          : 'verified with @sigstore/verify',
    });
  }
  const verified = (kind: VerifyCheck['kind']) => checks.filter((c) => c.kind === kind && c.outcome === 'verified');
  const attested = new Set(checks.filter((c) => c.kind === 'attestation').map((c) => c.what));
  const ok =
    verified('signature').length > 0 &&
    !checks.some((c) => c.outcome === 'failed') &&
    [...attested].every((t) => verified('attestation').some((c) => c.what === t));
  return { repository: repo, digest, ok, checks };
}

/** A message-signature bundle signs a simple-signing payload: it verifies when one of the verified payloads is what it signed. */
function verifyWithAnyPayload(
  bundleJson: unknown,
  key: PublicKeyInfo,
  payloads: readonly Buffer[],
): ReturnType<typeof verifyBundle> {
  let last: ReturnType<typeof verifyBundle> = {
    ok: false,
    reason: 'bad-signature',
    message: 'no verified signature payload to check the message-signature bundle against',
  };
  for (const payload of payloads) {
    last = verifyBundle(bundleJson, [key], payload);
    if (last.ok) return last;
  }
  return last;
}

/** A signature that does not verify with the key vouches for nothing (other-key); anything else wrong fails. */
function outcomeOf(result: { ok: true } | { ok: false; reason: string }): VerifyOutcome {
  if (result.ok) return 'verified';
  return result.reason === 'bad-signature' ? 'other-key' : 'failed';
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
