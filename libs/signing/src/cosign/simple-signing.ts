import { isRecord, shownValue } from '@patch-factory/contracts';
import { imageReferenceProblem } from '@patch-factory/oci';
import { checkImageDigest } from '../digest';
import { signingError, SigningErrorCode } from '../signing-errors';

/** Media type of a cosign simple-signing payload layer. */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

/** The parsed simple-signing payload. */
export interface SimpleSigningPayload {
  critical: {
    identity: { 'docker-reference': string };
    image: { 'docker-manifest-digest': string };
    type: string;
  };
  optional: Record<string, unknown> | null;
}

/**
 * Checks an image repository reference as cosign records it (`registry.example:5000/team/app`,
 * `[::1]:5000/x/y`; no tag or digest) by the OCI reference grammar of libs/oci.
 */
export function checkReference(reference: unknown, where: string): string {
  const problem = imageReferenceProblem(reference, { noTag: true, noDigest: true });
  if (problem !== undefined) {
    throw signingError(
      SigningErrorCode.inputInvalid,
      where,
      `image reference ${shownValue(reference)} is not a repository name (registry[:port]/path, lowercase, no tag or digest): ${problem}`,
    );
  }
  return reference as string;
}

/**
 * The payload bytes cosign signs for `reference@digest`. Byte-stable: the same inputs give
 * the same bytes, in the key order and form cosign (Go's encoding/json) writes.
 */
export function simpleSigningPayload(reference: string, imageDigest: string): Buffer {
  const payload: SimpleSigningPayload = {
    critical: {
      identity: { 'docker-reference': checkReference(reference, 'simple signing') },
      image: { 'docker-manifest-digest': checkImageDigest(imageDigest, 'simple signing') },
      type: SIMPLE_SIGNING_TYPE,
    },
    optional: null,
  };
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

/** Parses simple-signing payload bytes; undefined when they are not one. */
export function parseSimpleSigningPayload(bytes: Buffer): SimpleSigningPayload | undefined {
  if (bytes.length > 64 * 1024) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(value) || !isRecord(value['critical'])) return undefined;
  const c = value['critical'];
  const identity = c['identity'];
  const image = c['image'];
  if (!isRecord(identity) || !isRecord(image) || c['type'] !== SIMPLE_SIGNING_TYPE) return undefined;
  const ref = identity['docker-reference'];
  const digest = image['docker-manifest-digest'];
  if (typeof ref !== 'string' || typeof digest !== 'string') return undefined;
  const optional = value['optional'];
  if (optional !== null && optional !== undefined && !isRecord(optional)) return undefined;
  return {
    critical: {
      identity: { 'docker-reference': ref },
      image: { 'docker-manifest-digest': digest },
      type: SIMPLE_SIGNING_TYPE,
    },
    optional: optional ?? null,
  };
}
