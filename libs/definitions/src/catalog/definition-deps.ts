import { isRecord } from '@patch-factory/contracts';
import { parseImageRef, type ImageRef } from './image-ref';
import { renderVars } from './render-vars';

export type Ecosystem = 'deb' | 'apk';

/** A package a definition installs (or excludes), from `contents.packages` at any depth. */
export interface PackageDep {
  ecosystem: Ecosystem;
  name: string;
  /** The pinned version of `name=<version>`, rendered from the variables. */
  version?: string;
  /** `!name`: the package is kept out of the image. */
  excluded: boolean;
  /** Where it stands: `contents.packages` or `contents.builds[2].contents.packages`. */
  where: string;
}

export interface ImageDep {
  ref: ImageRef;
  raw: string;
  where: string;
}

/** What one definition depends on: the catalog index is built from these. */
export interface DefinitionDeps {
  file: string;
  ecosystem?: Ecosystem;
  vars: Map<string, string>;
  packages: PackageDep[];
  images: ImageDep[];
  /** GitHub repositories as `owner/repo`, lower-case. */
  repositories: Set<string>;
  /** `track:` entries as `<type>:<what>`, e.g. `github_release:owner/repo`, `debian_package:openssl`. */
  tracks: string[];
  /** The variables `track:` entries of GitHub repositories set, in every form of `set:`. */
  trackVars: TrackVar[];
}

/**
 * A variable a `track:` entry of a GitHub repository sets: `set: VAR` (it takes the event's
 * version), the list form `set: [{var, value}]` or the record form `set: {VAR: commit}` (it
 * takes only what the source computed for it: the event's `vars`).
 */
export interface TrackVar {
  /** The entry's `type` (`github_release`, `github_repository`…). */
  type: string;
  /** `owner/repo`, lower-case. */
  repository: string;
  set: string;
  /** True for the list and record forms: the value is the source's, never the version. */
  computed: boolean;
}

/** Most variables read from one entry's `set:`. */
const MAX_SET_VARS = 32;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The variable names a `set:` names (string, list of {var}, or record), and whether they are computed. */
function setVars(set: unknown): { names: string[]; computed: boolean } {
  if (typeof set === 'string') return { names: [set], computed: false };
  const names = Array.isArray(set)
    ? set.map((s: unknown) => (isRecord(s) ? s['var'] : undefined))
    : isRecord(set)
      ? Object.keys(set)
      : [];
  return {
    names: [
      ...new Set(names.slice(0, MAX_SET_VARS).filter((n): n is string => typeof n === 'string' && VAR_NAME.test(n))),
    ],
    computed: true,
  };
}

const MAX_DEPTH = 64;
const GITHUB_URL =
  /(?:https?:\/\/|git\+https:\/\/|git@)(?:www\.)?(?:github\.com|raw\.githubusercontent\.com|codeload\.github\.com)[/:]([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})/g;
const GITHUB_PURL = /pkg:github\/([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})/g;
const REF_VAR = /_(REF|REFERENCE|IMAGE)$/;

/** The package ecosystem of a catalog path `image/<name>/<os>/<stream>.yaml`. */
export function ecosystemOf(file: string): Ecosystem | undefined {
  const os = file.split('/').at(-2) ?? '';
  if (os.startsWith('debian') || os.startsWith('ubuntu')) return 'deb';
  if (os.startsWith('alpine')) return 'apk';
  return undefined;
}

/**
 * Collects what a parsed definition depends on. The document is untrusted: anything of
 * an unexpected shape is skipped, depth is bounded, and nothing here throws.
 */
export function definitionDeps(file: string, doc: unknown): DefinitionDeps {
  const vars = new Map<string, string>();
  const root = isRecord(doc) ? doc : {};
  if (isRecord(root['vars'])) {
    for (const [k, v] of Object.entries(root['vars'])) if (isScalar(v)) vars.set(k, String(v));
  }
  const ecosystem = ecosystemOf(file);
  const deps: DefinitionDeps = {
    file,
    vars,
    packages: [],
    images: [],
    repositories: new Set(),
    tracks: [],
    trackVars: [],
  };
  if (ecosystem) deps.ecosystem = ecosystem;

  for (const [name, value] of vars) {
    if (REF_VAR.test(name)) addImage(deps, value, `vars.${name}`);
    addRepositories(deps, value);
  }
  walk(root, '', 0, (path, key, value, parentKey) => {
    if (typeof value === 'string') {
      const text = renderVars(value, vars);
      addRepositories(deps, text);
      if (key === 'uses' || (key === 'name' && parentKey === 'artifacts')) addImage(deps, text, path);
      return;
    }
    if (key === 'packages' && parentKey === 'contents' && Array.isArray(value) && ecosystem) {
      value.forEach((item, i) => {
        if (typeof item === 'string') addPackage(deps, ecosystem, renderVars(item, vars), `${path}[${i}]`);
      });
    }
  });
  if (Array.isArray(root['track'])) {
    for (const t of root['track']) {
      if (!isRecord(t) || typeof t['type'] !== 'string') continue;
      const what =
        typeof t['owner'] === 'string' && typeof t['repo'] === 'string'
          ? `${t['owner']}/${t['repo']}`
          : (t['package'] ?? t['name'] ?? t['url']);
      if (typeof what === 'string') deps.tracks.push(`${t['type']}:${what}`);
      if (typeof t['owner'] === 'string' && typeof t['repo'] === 'string') {
        const repository = `${t['owner']}/${t['repo']}`.toLowerCase();
        deps.repositories.add(repository);
        const { names, computed } = setVars(t['set']);
        for (const set of names) deps.trackVars.push({ type: t['type'], repository, set, computed });
      }
    }
  }
  return deps;
}

function addPackage(deps: DefinitionDeps, ecosystem: Ecosystem, spec: string, where: string): void {
  const excluded = spec.startsWith('!');
  const body = excluded ? spec.slice(1) : spec;
  const eq = body.indexOf('=');
  const name = (eq >= 0 ? body.slice(0, eq) : body).trim();
  if (!/^[a-z0-9][a-z0-9+._-]{0,127}$/.test(name)) return;
  const dep: PackageDep = { ecosystem, name, excluded, where };
  if (eq >= 0) {
    const version = body.slice(eq + 1).trim();
    if (version && !version.includes('${')) dep.version = version;
  }
  deps.packages.push(dep);
}

function addImage(deps: DefinitionDeps, raw: string, where: string): void {
  const ref = parseImageRef(raw);
  if (ref && ref.path.includes('/') === true) deps.images.push({ ref, raw, where });
  else if (ref?.host) deps.images.push({ ref, raw, where });
}

function addRepositories(deps: DefinitionDeps, text: string): void {
  if (!text.includes('github')) return;
  for (const re of [GITHUB_URL, GITHUB_PURL]) {
    for (const m of text.matchAll(re)) {
      const repo = (m[2] as string).replace(/\.git$/, '');
      if (repo) deps.repositories.add(`${m[1]}/${repo}`.toLowerCase());
    }
  }
}

type Visitor = (path: string, key: string, value: unknown, parentKey: string) => void;

/**
 * Visits every node once: an object reached again (a YAML alias is a shared reference) is
 * not walked again, so an alias bomb costs its size, not its expansion.
 */
function walk(
  node: unknown,
  path: string,
  depth: number,
  visit: Visitor,
  key = '',
  parentKey = '',
  seen = new WeakSet<object>(),
): void {
  if (depth > MAX_DEPTH) return;
  if (typeof node === 'object' && node !== null) {
    if (seen.has(node)) return;
    seen.add(node);
  }
  visit(path, key, node, parentKey);
  if (Array.isArray(node)) {
    node.forEach((item, i) => walk(item, `${path}[${i}]`, depth + 1, visit, key, parentKey, seen));
  } else if (isRecord(node)) {
    for (const [k, v] of Object.entries(node)) walk(v, path ? `${path}.${k}` : k, depth + 1, visit, k, key, seen);
  }
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}
