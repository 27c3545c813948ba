import { checkImageDigest } from '../digest';
import { describe, isRecord, signingError, SigningErrorCode } from '../signing-error-code';

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

/** `registry[:port]/path` without tag or digest, as cosign records it. */
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]{1,5})?';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REFERENCE_RE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);

/** Checks an image repository reference (`registry.example/team/app`, no tag or digest). */
export function checkReference(reference: unknown, where: string): string {
  if (typeof reference !== 'string' || reference.length > 255 || !REFERENCE_RE.test(reference)) {
    throw signingError(SigningErrorCode.inputInvalid, where, `image reference ${describe(reference)} is not a repository name (registry/path, lowercase, no tag or digest)`);
  }
  return reference;
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
  return { critical: { identity: { 'docker-reference': ref }, image: { 'docker-manifest-digest': digest }, type: SIMPLE_SIGNING_TYPE }, optional: optional ?? null };
}
