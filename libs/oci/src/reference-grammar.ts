import { TerminalError } from '@patch-factory/contracts';
import { OciErrorCode } from './oci-error-code';

/** Longest repository name accepted (the distribution implementation's own limit). */
export const MAX_NAME_LENGTH = 255;

/** A path component: lower-case alphanumerics joined by `.`, `_`, `__` or runs of `-` (OCI distribution spec). */
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
/** A tag: at most 128 characters, not starting with `.` or `-`. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** The only digest this client accepts: sha256 in lower-case hex. */
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** True when `name` is a repository name of the OCI distribution grammar. */
export function isRepositoryName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_NAME_LENGTH && NAME.test(name);
}

/** True when `tag` is a tag of the OCI distribution grammar. */
export function isTag(tag: unknown): tag is string {
  return typeof tag === 'string' && TAG.test(tag);
}

/** True when `digest` is `sha256:<64 lower-case hex>`. */
export function isSha256Digest(digest: unknown): digest is string {
  return typeof digest === 'string' && DIGEST.test(digest);
}

function quote(value: unknown): string {
  return JSON.stringify(String(value).slice(0, 60)).replace(/[^\x20-\x7e]/g, '?');
}

/** `name`, or TerminalError(oci-invalid-reference) before any request is made with it. */
export function assertRepositoryName(name: unknown): string {
  if (!isRepositoryName(name)) {
    throw new TerminalError(OciErrorCode.invalidReference, `the repository name ${quote(name)} is invalid: expected lower-case path components such as "library/redis" (at most ${MAX_NAME_LENGTH} characters)`);
  }
  return name;
}

/** `tag`, or TerminalError(oci-invalid-reference) before any request is made with it. */
export function assertTag(tag: unknown): string {
  if (!isTag(tag)) {
    throw new TerminalError(OciErrorCode.invalidReference, `the tag ${quote(tag)} is invalid: expected at most 128 letters, digits, "_", "." or "-", not starting with "." or "-"`);
  }
  return tag;
}
