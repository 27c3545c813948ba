import { z } from 'zod';

/** The only schemes a ref may carry (`pkg:` purls aside): git remotes over https or ssh. */
const URL_SCHEMES = new Set(['https', 'ssh']);
/** Scheme-like prefixes that are never a ref, even without `//` (`file:/etc/passwd`, `ext::sh`). */
const REFUSED_PREFIXES = new Set(['file', 'ext', 'fd', 'data', 'javascript', 'vbscript', 'http', 'ftp', 'git']);

/**
 * Why a ref is not one, or undefined when it is. A ref names what moved at a source: a purl
 * (`pkg:deb/debian/openssl`, `pkg:deb/debian/openssl@3.0.11-1?arch=amd64`), an image reference
 * with a moving tag (`dhi/golang:1-debian13-dev`, `registry:5000/team/app:1.2`), a GitHub
 * `owner/repo`, a release or repository name (`binutils-latest`), or a git remote (`https://…`,
 * `ssh://…`, an absolute path). Refused: control characters and whitespace, a leading `-` (git
 * would read an option), shell metacharacters, `..` path segments, and any other scheme (`file:`,
 * `ext::`, `http:`…).
 */
export function upstreamRefProblem(ref: string): string | undefined {
  if (ref.length === 0 || ref.length > 512) return 'expected 1–512 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\s]/u.test(ref)) return 'it has whitespace or control characters';
  if (ref.startsWith('-')) return 'it starts with "-" (read as an option)';
  if (!/^[A-Za-z0-9/][A-Za-z0-9._~:/@?=&%+#,-]*$/.test(ref))
    return 'expected a purl, an image reference, owner/repo, a name or an https/ssh git URL (letters, digits and . _ ~ : / @ ? = & % + # , -)';
  if (/(^|\/)\.\.(\/|$)/.test(ref)) return 'it has a ".." path segment';
  const prefix = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(ref)?.[1]?.toLowerCase();
  if (prefix !== undefined && REFUSED_PREFIXES.has(prefix))
    return `the scheme ${prefix}: is not allowed (only pkg:, https:// and ssh://)`;
  // A scheme proper (`x://`, `x:/`, `x::`, `x:` alone), as opposed to `name:tag` or `host:port/…`.
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):(?=$|[/:])/.exec(ref)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!URL_SCHEMES.has(scheme) || !/^[a-z]+:\/\/[A-Za-z0-9]/i.test(ref))
      return `the scheme ${scheme}: is not allowed (only pkg:, https:// and ssh://)`;
  }
  if (/^pkg:/i.test(ref) && !/^pkg:[a-z][a-z0-9.+-]*\/[A-Za-z0-9._~%+-]/.test(ref))
    return 'expected a purl such as pkg:deb/debian/openssl';
  return undefined;
}

/** An UpstreamEvent's `ref` (see upstreamRefProblem). */
export const UpstreamRefSchema = z.string().superRefine((ref, ctx) => {
  const problem = upstreamRefProblem(ref);
  if (problem) ctx.addIssue({ code: 'custom', message: `expected a ref: ${problem}` });
});
