import { shown } from '../builder-errors';
import { BuildSourceErrorCode, sourceTerminal } from './source-errors';

/** One `deb` line of a definition's `contents.repositories[]`, parsed. */
export interface RepositoryLine {
  /** The repository root, normalized (`https://deb.debian.org/debian`, no trailing slash). */
  url: string;
  /** dists/<suite>, e.g. `bookworm`, `bookworm-security`. */
  suite: string;
  components: string[];
  /** `signed-by=`: a keyring file looked up by its base name in the trusted keyring directory. */
  signedBy?: string;
  /** `arch=`: the line serves only these architectures. */
  architectures?: string[];
}

export const MAX_REPOSITORY_LINE = 2048;
const MAX_COMPONENTS = 32;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/;
const ARCH = /^[a-z0-9][a-z0-9-]*$/;
/** A keyring file name: no directory, not hidden, not `.`/`..`. */
export const KEYRING_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,254}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;
/** Options apt knows that would weaken verification: refused by name. */
const WEAKENING = new Set([
  'trusted',
  'allow-insecure',
  'allow-weak',
  'allow-downgrade-to-insecure',
  'check-valid-until',
  'check-date',
]);

/**
 * Parses one repository in APT's one-line format (sources.list(5)):
 * `deb [signed-by=<keyring> arch=<a>,<b>] <url> <suite> <component>…`. Only `deb` lines with
 * the options `signed-by=` and `arch=`; refuses `deb-src`, other options (`trusted=yes` above
 * all), a missing suite or component, flat repositories, control characters and lines over
 * 2048 characters. Throws `build-repository-invalid` with `where` (e.g.
 * `contents.repositories[0]`) in the message.
 */
export function parseRepositoryLine(line: string, where: string): RepositoryLine {
  const fail = (why: string) => sourceTerminal(BuildSourceErrorCode.repositoryInvalid, `${where}: ${why}`);
  if (typeof line !== 'string') throw fail('is not a string');
  if (line.length > MAX_REPOSITORY_LINE)
    throw fail(`is ${line.length} characters long; a repository line has at most ${MAX_REPOSITORY_LINE}`);
  const control = CONTROL.exec(line);
  if (control)
    throw fail(
      `control character U+${(control[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} at column ${control.index + 1}: a repository is one plain line`,
    );
  const text = line.trim();
  if (text === '') throw fail('is empty: expected "deb [signed-by=<keyring>] <url> <suite> <component>…"');
  const typeEnd = text.search(/[ \t]/);
  const type = typeEnd < 0 ? text : text.slice(0, typeEnd);
  if (type === 'deb-src')
    throw fail('deb-src lines are not supported: an image is built from binary packages only; use "deb"');
  if (type !== 'deb')
    throw fail(`starts with "${shown(type, 40)}": only "deb [options] <url> <suite> <component>…" lines are supported`);
  let rest = typeEnd < 0 ? '' : text.slice(typeEnd).trimStart();
  let optionText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw fail('the option list "[" is never closed with "]"');
    optionText = rest.slice(1, close);
    if (optionText.includes('[')) throw fail('"[" inside the option list');
    rest = rest.slice(close + 1).trimStart();
  }
  const words = rest.split(/[ \t]+/).filter(Boolean);
  const [rawUrl, suite, ...components] = words;
  if (rawUrl === undefined) throw fail('has no repository URL: expected "deb [options] <url> <suite> <component>…"');
  if (suite === undefined)
    throw fail(`has no suite after ${shown(rawUrl, 80)}: expected "<url> <suite> <component>…" (e.g. bookworm main)`);
  const result: RepositoryLine = {
    url: checkUrl(rawUrl, fail),
    suite: checkSuite(suite, fail),
    components: checkComponents(components, fail),
  };
  if (optionText !== undefined) Object.assign(result, parseOptions(optionText, fail));
  return result;
}

type Fail = (why: string) => Error;

function checkUrl(raw: string, fail: Fail): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fail(`"${shown(raw, 80)}" is not a URL: give the repository as https://host/path`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw fail(`"${shown(url.protocol, 20)}" URLs are refused: use https`);
  if (url.username || url.password) throw fail(`${shown(url.host, 80)}: credentials in a repository URL are refused`);
  if (url.search || url.hash || raw.includes('?') || raw.includes('#'))
    throw fail(`${shown(raw, 80)}: a repository URL has no query or fragment`);
  return url.href.replace(/\/+$/, '');
}

function checkSuite(suite: string, fail: Fail): string {
  if (suite.endsWith('/'))
    throw fail(
      `suite "${shown(suite, 60)}" ends with "/": flat repositories are not supported; give a suite (e.g. bookworm) and components`,
    );
  if (suite.length > 100 || !suite.split('/').every((s) => SEGMENT.test(s))) {
    throw fail(`suite "${shown(suite, 60)}" is not a suite name (e.g. bookworm, bookworm-security)`);
  }
  return suite;
}

function checkComponents(components: string[], fail: Fail): string[] {
  if (components.length === 0) throw fail('has no component after the suite: name at least one (e.g. main)');
  if (components.length > MAX_COMPONENTS) throw fail(`has ${components.length} components; at most ${MAX_COMPONENTS}`);
  const seen = new Set<string>();
  for (const c of components) {
    if (!SEGMENT.test(c) || c.length > 100)
      throw fail(`component "${shown(c, 60)}" is not a component name (e.g. main, contrib, non-free-firmware)`);
    if (seen.has(c)) throw fail(`component ${c} is given twice`);
    seen.add(c);
  }
  return components;
}

function parseOptions(text: string, fail: Fail): Pick<RepositoryLine, 'signedBy' | 'architectures'> {
  const out: Pick<RepositoryLine, 'signedBy' | 'architectures'> = {};
  for (const option of text.split(/[ \t]+/).filter(Boolean)) {
    const eq = option.indexOf('=');
    const name = eq < 0 ? option : option.slice(0, eq);
    const value = eq < 0 ? '' : option.slice(eq + 1);
    if (WEAKENING.has(name))
      throw fail(
        `option ${shown(name, 40)}= would weaken the signature checks; it is refused: every repository must be signed by a trusted keyring`,
      );
    if (name.endsWith('+') || name.endsWith('-'))
      throw fail(
        `option "${shown(option, 60)}": the += and -= forms are not supported; use ${shown(name.slice(0, -1), 40)}=`,
      );
    if (name !== 'arch' && name !== 'signed-by')
      throw fail(`unknown option "${shown(option, 60)}": only signed-by= and arch= are supported`);
    if (eq < 0 || value === '') throw fail(`option ${name}= has no value`);
    if (name === 'arch') {
      if (out.architectures) throw fail('option arch= is given twice');
      out.architectures = parseArchitectures(value, fail);
    } else {
      if (out.signedBy !== undefined) throw fail('option signed-by= is given twice');
      out.signedBy = checkSignedBy(value, fail);
    }
  }
  return out;
}

function parseArchitectures(value: string, fail: Fail): string[] {
  const list = value.split(',');
  for (const a of list) {
    if (!ARCH.test(a) || a.length > 40)
      throw fail(`arch=${shown(value, 60)}: "${shown(a, 40)}" is not an architecture name (e.g. amd64, arm64)`);
  }
  return [...new Set(list)];
}

/**
 * A keyring is a file name (`debian-archive-keyring.gpg`) or an absolute path to one
 * (`/usr/share/keyrings/debian-archive-keyring.gpg`, as sources.list writes it); only its base
 * name is used, inside the operator's keyring directory. `..`, `.`, relative directories,
 * several keyrings and inline keys are refused.
 */
function checkSignedBy(value: string, fail: Fail): string {
  if (value.includes(',')) throw fail(`signed-by=${shown(value, 80)}: give one keyring file, not a list`);
  const segments = value.split('/');
  const base = segments[segments.length - 1] ?? '';
  const absolute = value.startsWith('/');
  const dirs = absolute ? segments.slice(1, -1) : segments.slice(0, -1);
  if (!absolute && dirs.length > 0)
    throw fail(`signed-by=${shown(value, 80)}: give a keyring file name (or an absolute path), not a relative path`);
  if (dirs.some((d) => d === '..' || d === '.' || d === '') || !KEYRING_NAME.test(base)) {
    throw fail(
      `signed-by=${shown(value, 80)} is not a keyring file name: a plain name like debian-archive-keyring.gpg (no "..", no hidden files)`,
    );
  }
  return value;
}
