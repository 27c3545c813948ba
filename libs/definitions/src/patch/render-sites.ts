import { isAlias, isMap, isScalar, isSeq, parseDocument, type Scalar } from 'yaml';

/**
 * The kinds of place where the catalog's update bot renders a variable's value into a
 * definition (seen in its 800 commits in ../shared/corpus/dhi-bot-updates.jsonl):
 * - `var`: a `vars:` entry (the variable's own, or another one built from it:
 *   `DHI_VERSION: 8.4.23-1`, `GO_REFERENCE: dhi/golang:1.26.5-…@sha256:…`);
 * - `tag`: a `tags:` entry (`1.31.4-debian13`, `2.55.0-r1-alpine3.24`);
 * - `name`: the display name (`name:`) or a pipeline step's name;
 * - `environment`: `environment:`, `annotations:`, `labels:` values;
 * - `package`: a package pin (`nginx-mainline=1.31.4-0`) in any `contents.packages`;
 * - `file`: a fetched file's `url` (`…/v1.2.3/x-1.2.3.tar.gz`, `git+https://…#v1.2.3`),
 *   `checksum`, `path` and its SPDX `version`/`purl`;
 * - `artifact`: an artifact name (`dhi.io/pkg-node:22.23.1-debian12@sha256:…`) or exclude;
 * - `uses`: a build's or a pipeline step's `uses:` reference;
 * - `step`: a pipeline step's `runs:` script, `with:` parameters and `work-dir`;
 * - `output`: a build output's `source`/`target`, `work-dir`, `paths:` entries, `entrypoint`, `cmd`.
 * Nothing else is a rendering: keys, comments, `dates`, `os-release`, `accounts`, `platforms`,
 * `ports`, package `repositories` and `keyring`s, and `uid`/`gid`/`mode` fields keep their text.
 */
export type SiteKind =
  'var' | 'tag' | 'name' | 'environment' | 'package' | 'file' | 'artifact' | 'uses' | 'step' | 'output';

/** One scalar of a definition where variables are rendered, as a range of the file's text. */
export interface RenderSite {
  kind: SiteKind;
  /** Offsets of the scalar's source text in the file, quotes included. */
  start: number;
  end: number;
  /** The key the scalar is the value of (`VERSION`, `rel`, `url`), or undefined in a sequence. */
  key: string | undefined;
  /** Plain, quoted or block: how the scalar is written. */
  style: Scalar.Type | undefined;
  /** The scalar's loaded value (a number stays a number). */
  value: unknown;
}

type Segment = string | number;

const NEVER_RENDERED_KEYS = new Set(['uid', 'gid', 'mode', 'permissions', 'repositories', 'keyring', 'platforms']);

/** Which kind of site a value at `path` (keys, and indexes of sequences) is, if any. */
export function siteKind(path: readonly Segment[]): SiteKind | undefined {
  const keys = path.filter((s): s is string => typeof s === 'string');
  if (keys.some((k) => NEVER_RENDERED_KEYS.has(k))) return undefined;
  const [top] = keys;
  const last = keys[keys.length - 1];
  switch (top) {
    case 'vars':
      return keys.length === 2 ? 'var' : undefined;
    case 'tags':
      return keys.length === 1 ? 'tag' : undefined;
    case 'name':
      return 'name';
    case 'environment':
    case 'annotations':
    case 'labels':
      return 'environment';
    case 'work-dir':
    case 'paths':
    case 'entrypoint':
    case 'cmd':
      return 'output';
    case 'contents':
      return contentsKind(keys.slice(1), last);
    default:
      return undefined;
  }
}

/** Inside `contents:` (and the `contents:` of its builds, at any depth). */
function contentsKind(keys: readonly string[], last: string | undefined): SiteKind | undefined {
  const builds = keys.lastIndexOf('builds');
  const inner = keys.lastIndexOf('contents');
  // The innermost contents-like scope decides: a build's own contents, or its pipeline.
  const from = Math.max(builds + 1, inner + 1);
  const rest = keys.slice(from);
  const [head] = rest;
  if (head === 'packages') return 'package';
  if (head === 'files') return 'file';
  if (head === 'artifacts') return 'artifact';
  if (builds < 0 || inner > builds) return undefined;
  // rest is within one build: name, uses, pipeline, outputs, environment, work-dir, …
  if (head === 'uses') return 'uses';
  if (head === 'name') return 'name';
  if (head === 'pipeline')
    return last === 'uses' && rest.length === 2 ? 'uses' : last === 'name' && rest.length === 2 ? 'name' : 'step';
  if (head === 'outputs' || head === 'work-dir') return 'output';
  if (head === 'environment') return 'environment';
  return undefined;
}

/**
 * Every rendering site of a definition's text, in text order. Keys, comments and aliases are
 * never sites; an anchored node is a site once, where it is written. Returns undefined when the
 * text is not one well-formed YAML document (the caller has refused it already).
 */
export function renderSites(text: string): RenderSite[] | undefined {
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: false, strict: true, keepSourceTokens: false });
  if (doc.errors.length > 0) return undefined;
  const sites: RenderSite[] = [];
  const visit = (node: unknown, path: Segment[], key: string | undefined, depth: number): void => {
    if (depth > 64 || isAlias(node)) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (k !== undefined) visit(pair.value, [...path, k], k, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i], undefined, depth + 1));
    } else if (isScalar(node) && node.range) {
      const kind = siteKind(path);
      if (kind)
        sites.push({ kind, start: node.range[0], end: node.range[1], key, style: node.type, value: node.value });
    }
  };
  visit(doc.contents, [], undefined, 0);
  return sites.sort((a, b) => a.start - b.start);
}
