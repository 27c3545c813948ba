import { parseImageReference } from '@patch-factory/oci';

/** An image reference split into its parts; the registry host is kept apart from the path. */
export interface ImageRef {
  /** Registry `host[:port]` (a name with a dot or a port, `localhost`, an [IPv6] address), or undefined for `ns/repo:tag` forms. */
  host?: string;
  /** Repository path without the host, e.g. `dhi/golang` or `golang`. */
  path: string;
  tag?: string;
  digest?: string;
}

/**
 * Parses an OCI image reference (`[host[:port]/]path[:tag][@digest]`, by the one grammar of
 * libs/oci); undefined when the text is not one or names neither a tag nor a digest
 * (`go/build@v1` is a build step, not an image).
 */
export function parseImageRef(text: string): ImageRef | undefined {
  if (text.length > 512) return undefined;
  const parsed = parseImageReference(text.trim());
  if (!parsed || (parsed.tag === undefined && parsed.digest === undefined)) return undefined;
  const ref: ImageRef = { path: parsed.path };
  if (parsed.domain !== undefined) ref.host = parsed.domain;
  if (parsed.tag !== undefined) ref.tag = parsed.tag;
  if (parsed.digest !== undefined) ref.digest = parsed.digest;
  return ref;
}

/**
 * The repository path a reference names across registries: the path as written, and for a
 * registry-qualified one also `<first label of the host>/<path>` (a catalog writes
 * `ns/repo` in its variables and `<ns registry host>/repo` where it renders them).
 */
export function repositoryKeys(ref: ImageRef): string[] {
  const keys = [ref.path];
  if (ref.host) {
    const label = ref.host.split('.')[0] as string;
    if (!ref.path.startsWith(`${label}/`)) keys.push(`${label}/${ref.path}`);
  }
  return keys;
}

/** A tag's parts: leading version, optional build counter (`-5` in `3.14.6-5-debian13`), suffix. */
export function splitTag(tag: string): { version: string; build?: string; suffix: string } | undefined {
  const m = /^(\d+(?:\.\d+)*)(?:-(\d+)(?=-[A-Za-z]|$))?(.*)$/.exec(tag);
  if (!m) return undefined;
  return { version: m[1] as string, ...(m[2] ? { build: m[2] } : {}), suffix: m[3] as string };
}

/**
 * Whether a pinned tag falls under a moving tag: same suffix after the version (a build
 * counter such as `-5` is not part of the suffix), and the moving tag's version is a dotted
 * prefix of the pinned one (`1-debian13-dev` covers `1.26.5-debian13-dev`; `1.26-debian13-dev`
 * does too; `1.25-debian13-dev` does not). Tags that do not start with a version must be equal.
 */
export function tagCovers(moving: string, pinned: string): boolean {
  if (moving === pinned) return true;
  const a = splitTag(moving);
  const b = splitTag(pinned);
  if (!a || !b || a.suffix !== b.suffix) return false;
  const want = a.version.split('.');
  const have = b.version.split('.');
  return want.length <= have.length && want.every((part, i) => part === have[i]);
}

/**
 * Whether a pinned tag is on the same release line as a released tag: same suffix, and the
 * same version but for its last component (`1.26.7-debian13-dev` is on the line of a new
 * `1.26.5-debian13-dev` release: both are 1.26). A one-component version has no line.
 */
export function sameReleaseLine(released: string, pinned: string): boolean {
  const a = splitTag(released);
  const b = splitTag(pinned);
  if (!a || !b || a.suffix !== b.suffix) return false;
  const line = a.version.split('.').slice(0, -1);
  const have = b.version.split('.');
  return line.length > 0 && have.length === line.length + 1 && line.every((part, i) => part === have[i]);
}
