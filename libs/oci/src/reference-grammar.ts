import {
  MAX_REPOSITORY_NAME_LENGTH,
  OCI_PATH_COMPONENT,
  TerminalError,
  isRepositoryName,
} from '@patch-factory/contracts';
import { OciErrorCode } from './oci-errors';

/*
 * The one image-reference grammar of the project: the OCI distribution grammar
 * (distribution/reference's grammar.go, also what docker and cosign parse):
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [domain "/"] path-component ["/" path-component]*
 *   domain           := host [":" port-number]
 *   host             := domain-name | "[" IPv6address "]"
 *   domain-name      := domain-component ["." domain-component]*
 *   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *   port-number      := /[0-9]+/
 *   path-component   := alpha-numeric [separator alpha-numeric]*
 *   alpha-numeric    := /[a-z0-9]+/
 *   separator        := /[_.]|__|[-]+/
 *   tag              := /[\w][\w.-]{0,127}/
 *   digest           := algorithm ":" hex   (here: sha256 with 64, sha384 with 96, sha512 with 128 lower-case hex)
 *
 * A name is at most 255 characters (domain and path). The first component is the domain when it
 * has a "." or a ":", is "localhost" or an [IPv6] literal, or has upper-case letters (docker's
 * rule), unless a caller says every first component of several is a host (`hostFirst`).
 */

/** Longest repository name accepted (the distribution implementation's own limit). */
export const MAX_NAME_LENGTH = MAX_REPOSITORY_NAME_LENGTH;
/** Longest reference text looked at: a name, a tag and a sha512 digest fit. */
const MAX_REFERENCE_LENGTH = MAX_NAME_LENGTH + 1 + 128 + 1 + 7 + 128;

/** A path component (libs/contracts, with the repository name: configuration checks names too). */
const PATH_COMPONENT = new RegExp(`^${OCI_PATH_COMPONENT}$`);
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:(${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*)|(\\[[a-fA-F0-9:]+\\]))(?::([0-9]+))?$`);
/** A tag: at most 128 characters, not starting with `.` or `-`. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** The only digest this client accepts: sha256 in lower-case hex. */
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Digests a reference may carry: the algorithms go-digest implements, lower-case hex of their length. */
const REFERENCE_DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

/** True when `name` is a repository name of the OCI distribution grammar (libs/contracts). */
export { isRepositoryName };

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
    throw new TerminalError(
      OciErrorCode.invalidReference,
      `the repository name ${quote(name)} is invalid: expected lower-case path components such as "library/redis" (at most ${MAX_NAME_LENGTH} characters)`,
    );
  }
  return name;
}

/** `tag`, or TerminalError(oci-invalid-reference) before any request is made with it. */
export function assertTag(tag: unknown): string {
  if (!isTag(tag)) {
    throw new TerminalError(
      OciErrorCode.invalidReference,
      `the tag ${quote(tag)} is invalid: expected at most 128 letters, digits, "_", "." or "-", not starting with "." or "-"`,
    );
  }
  return tag;
}

/** An image reference split into its parts. */
export interface ImageReference {
  /** Registry `host[:port]` as written (`registry.example.org:5000`, `127.0.0.1:5000`, `[::1]:5000`, `localhost`), when the name has one. */
  domain?: string;
  /** The repository path without the domain (`team/app`): what the registry API calls the name. */
  path: string;
  tag?: string;
  digest?: string;
}

/** What a caller accepts besides a name: a tag, a digest, a name without a domain. */
export interface ReferenceRules {
  /** Refuse a `:tag` (a repository name only). */
  noTag?: boolean;
  /** Refuse an `@digest`. */
  noDigest?: boolean;
  /** Refuse a name without a domain (`host[:port]/path`). */
  domainRequired?: boolean;
  /**
   * Take the first of several components as the host even without a "." or ":" (`myregistry/app`),
   * as distribution's reference.Parse does; by default it is one only by docker's rule.
   */
  hostFirst?: boolean;
}

/** `domain/path` of a reference: the repository as a registry-qualified name, without tag or digest. */
export function referenceName(ref: ImageReference): string {
  return ref.domain === undefined ? ref.path : `${ref.domain}/${ref.path}`;
}

/** The reference as text: `[domain/]path[:tag][@digest]`. */
export function formatImageReference(ref: ImageReference): string {
  return `${referenceName(ref)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

type Parsed = { ok: ImageReference } | { problem: string };

/** The parts of `text` by the grammar, or why it is not a reference (a sentence to follow the quoted text). */
function parse(text: unknown, rules: ReferenceRules): Parsed {
  const bad = (problem: string): Parsed => ({ problem });
  if (typeof text !== 'string') return bad('is not a string');
  if (text.length === 0) return bad('is empty');
  if (text.length > MAX_REFERENCE_LENGTH)
    return bad(
      `is ${text.length} characters long, more than a reference can be (a name of at most ${MAX_NAME_LENGTH}, a tag of at most 128, a digest)`,
    );
  const odd = /[^\x21-\x7e]/.exec(text);
  if (odd) {
    const code = odd[0].codePointAt(0) as number;
    const what =
      code < 0x20 || (code >= 0x7f && code <= 0x9f)
        ? 'a control character'
        : /\s/.test(odd[0])
          ? 'whitespace'
          : 'a character outside printable ASCII';
    return bad(
      `contains ${what} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at position ${odd.index + 1}: a reference is host[:port]/path[:tag][@digest] in printable ASCII`,
    );
  }
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text);
  if (scheme) return bad(`starts with a URL scheme ("${scheme[0]}"): write host[:port]/path without one`);
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!REFERENCE_DIGEST.test(digest))
      return bad(
        `has the digest "${digest.slice(0, 80)}", which is not sha256:<64 hex> (or sha384/sha512) in lower case`,
      );
    if (rules.noDigest) return bad('has a digest (@sha256:…): a repository name is expected here');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/') && colon > rest.lastIndexOf(']')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      return bad(
        `has the tag "${tag.slice(0, 140)}", which is not 1 to 128 letters, digits, "_", "." or "-" not starting with "." or "-"`,
      );
    if (rules.noTag) return bad(`has a tag (":${tag.slice(0, 140)}"): a repository name is expected here`);
  }
  if (rest.includes('..'))
    return bad('contains ".." (a path step) in its name: components are joined by single "." characters');
  if (rest.length === 0) return bad('names no repository');
  if (rest.length > MAX_NAME_LENGTH)
    return bad(`has a name of ${rest.length} characters, more than ${MAX_NAME_LENGTH}`);
  const parts = rest.split('/');
  let domain: string | undefined;
  const first = parts[0] as string;
  if (parts.length > 1 && (rules.hostFirst || /[.:[]/.test(first) || first === 'localhost' || /[A-Z]/.test(first))) {
    const m = DOMAIN.exec(first);
    if (!m)
      return bad(
        `has the registry host "${first.slice(0, 100)}", which is not a host name, an IPv4 address or an [IPv6] address with an optional :port`,
      );
    if (m[3] !== undefined && (m[3].length > 5 || Number(m[3]) > 65535))
      return bad(`has the port ${m[3].slice(0, 20)}, which is not one from 0 to 65535`);
    domain = first;
    parts.shift();
  }
  if (domain === undefined && rules.domainRequired) return bad('names no registry host: write host[:port]/path');
  for (const part of parts) {
    if (part.length === 0) return bad('has an empty path component ("//", or "/" at an end)');
    if (/[A-Z]/.test(part))
      return bad(
        `has upper-case letters in its repository path ("${part.slice(0, 100)}"): repository paths are lower case`,
      );
    if (!PATH_COMPONENT.test(part))
      return bad(
        `has the path component "${part.slice(0, 100)}", which is not lower-case letters and digits joined by ".", "_", "__" or "-"`,
      );
  }
  const path = parts.join('/');
  return {
    ok: {
      ...(domain === undefined ? {} : { domain }),
      path,
      ...(tag === undefined ? {} : { tag }),
      ...(digest === undefined ? {} : { digest }),
    },
  };
}

/** The parts of an image reference, or undefined when `text` is not one (or breaks `rules`). */
export function parseImageReference(text: unknown, rules: ReferenceRules = {}): ImageReference | undefined {
  const parsed = parse(text, rules);
  return 'ok' in parsed ? parsed.ok : undefined;
}

/** Why `text` is not an image reference (a sentence naming the text), or undefined when it is one. */
export function imageReferenceProblem(text: unknown, rules: ReferenceRules = {}): string | undefined {
  const parsed = parse(text, rules);
  return 'problem' in parsed ? `image reference ${quote(text)} ${parsed.problem}` : undefined;
}

/** The parts of `text`, or TerminalError(oci-invalid-reference) saying `where` it was read and why it is refused. */
export function assertImageReference(text: unknown, where: string, rules: ReferenceRules = {}): ImageReference {
  const parsed = parse(text, rules);
  if ('problem' in parsed)
    throw new TerminalError(
      OciErrorCode.invalidReference,
      `${where}: image reference ${quote(text)} ${parsed.problem}`,
    );
  return parsed.ok;
}
