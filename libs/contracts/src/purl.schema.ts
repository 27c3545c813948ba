import { z } from 'zod';
import { purlDecode } from './purl';

/** Longest purl taken (an advisory's `affected[].package.purl`). */
export const MAX_PURL_LENGTH = 512;

/** One percent-encoded purl component: unreserved and sub-delimiter characters, `:`, or `%XX`. */
const COMPONENT = /^(?:[A-Za-z0-9._~+!$'()*,;=:-]|%[0-9A-Fa-f]{2})+$/;
/** A qualifier value may also hold `/` and `@` (repository URLs some writers leave unencoded). */
const QUALIFIER_VALUE = /^(?:[A-Za-z0-9._~+!$'()*,;=:/@-]|%[0-9A-Fa-f]{2})+$/;
const QUALIFIER_KEY = /^[A-Za-z.\-_][A-Za-z0-9.\-_]*$/;
const TYPE = /^[A-Za-z][A-Za-z0-9.+-]*$/;
/** Package names of the ecosystems the catalog pins (their purls must name a vendor namespace too). */
const DISTRO_NAME: Record<string, RegExp> = {
  deb: /^[a-z0-9][a-z0-9+.-]*$/,
  apk: /^[A-Za-z0-9_][A-Za-z0-9+._-]*$/,
};

/** The parts of a checked purl (components still percent-encoded). */
export interface PurlParts {
  type: string;
  namespace: string[];
  name: string;
  version?: string;
  qualifiers?: string;
  subpath?: string;
}

/**
 * Why `purl` is not a package URL (`pkg:type/namespace/name@version?qualifiers#subpath`), or
 * undefined when it is one. Checked whole, never trimmed: every component non-empty and
 * percent-encoded (`%` followed by two hex digits), no whitespace or control characters, no
 * empty `@`, `?`, `#`, `/` or qualifier, and for `deb`/`apk` a vendor namespace and a package
 * name of the ecosystem (`pkg:deb/debian/openssl`): a purl cut off before its name is an error.
 */
export function purlProblem(purl: string): string | undefined {
  return parse(purl).problem;
}

/** The parts of a purl that checks (purlProblem), else undefined. */
export function parsePurlStrict(purl: string): PurlParts | undefined {
  return parse(purl).parts;
}

function parse(purl: string): { problem?: string; parts?: PurlParts } {
  if (purl.length === 0 || purl.length > MAX_PURL_LENGTH)
    return { problem: `expected 1–${MAX_PURL_LENGTH} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f]/u.test(purl) || /\s/u.test(purl))
    return { problem: 'it has whitespace or control characters' };
  if (!purl.startsWith('pkg:')) return { problem: 'expected it to start with pkg:' };
  let rest = purl.slice(4);
  let subpath: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    subpath = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
    if (!subpath.split('/').every((s) => s === '' || COMPONENT.test(s)) || !subpath.split('/').some((s) => s !== ''))
      return { problem: 'its #subpath is empty or not percent-encoded' };
  }
  let qualifiers: string | undefined;
  const question = rest.indexOf('?');
  if (question >= 0) {
    qualifiers = rest.slice(question + 1);
    rest = rest.slice(0, question);
    for (const pair of qualifiers.split('&')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || !QUALIFIER_KEY.test(pair.slice(0, eq)) || !QUALIFIER_VALUE.test(pair.slice(eq + 1))) {
        return {
          problem: `its qualifier ${JSON.stringify(pair.slice(0, 64))} is not key=value (a key, a non-empty percent-encoded value)`,
        };
      }
    }
  }
  let version: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    version = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!COMPONENT.test(version)) return { problem: 'its @version is empty or not percent-encoded' };
  }
  const segments = rest.replace(/^\/+/, '').split('/');
  const type = segments.shift() ?? '';
  if (!TYPE.test(type))
    return {
      problem: `expected a type after pkg: (a letter, then letters, digits, . + -), got ${JSON.stringify(type.slice(0, 32))}`,
    };
  if (segments.length === 0) return { problem: `expected a name after pkg:${type}/ (it is cut off)` };
  const bad = segments.findIndex((s) => !COMPONENT.test(s));
  if (bad >= 0) {
    return {
      problem:
        segments[bad] === ''
          ? 'it has an empty path segment (cut off after a /?)'
          : `its segment ${JSON.stringify(segments[bad]?.slice(0, 64))} is not percent-encoded`,
    };
  }
  const name = segments.pop() as string;
  const distroName = DISTRO_NAME[type.toLowerCase()];
  if (distroName) {
    if (segments.length !== 1)
      return {
        problem: `expected pkg:${type}/<vendor>/<package> (such as pkg:deb/debian/openssl), with one vendor namespace`,
      };
    if (!distroName.test(purlDecode(name)))
      return { problem: `expected a ${type} package name, got ${JSON.stringify(name.slice(0, 64))}` };
  }
  return {
    parts: {
      type,
      namespace: segments,
      name,
      ...(version !== undefined ? { version } : {}),
      ...(qualifiers !== undefined ? { qualifiers } : {}),
      ...(subpath !== undefined ? { subpath } : {}),
    },
  };
}

/** A package URL, checked whole (purlProblem): a cut-off or malformed purl is an error naming why. */
export const PurlSchema = z.string().superRefine((purl, ctx) => {
  const problem = purlProblem(purl);
  if (problem)
    ctx.addIssue({ code: 'custom', message: `expected a package URL such as pkg:deb/debian/openssl: ${problem}` });
});
