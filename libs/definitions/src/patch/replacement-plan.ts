import { renderSites, type RenderSite } from './render-sites';
import type { VarChange } from '@patch-factory/contracts';
import { versionDerivations } from './version-derivations';
import { escapeRegExp, wholeTokenSource } from './version-token';

/**
 * One replacement of a plan. Every replacement matches whole tokens only (wholeTokenSource)
 * and only inside the definition's rendering sites (renderSites); `reach` narrows further.
 */
export interface Replacement {
  from: string;
  to: string;
  /** Always true: kept for callers that read it (every match is a whole token now). */
  bounded: boolean;
  /**
   * Why: the variable itself, a registry-qualified rendering of it, a derived variable, or
   * a package revision rendered after a version (`${VERSION}-r${REL}`, `${VERSION}-${REL}`).
   */
  reason: 'value' | 'registry-reference' | 'derived-version' | 'package-revision';
  variable: string;
  /**
   * Where: `token` in every rendering site; `named` only as a whole scalar under the
   * variable's own name (its `vars:` entry, or a key such as `rel:` for `REL`/`DHI_REL`),
   * for values too short to mean anything on their own (a bare number); `tag-or-named` also
   * as a token of a tag (a major version `1` in `1-debian13`).
   */
  reach: 'token' | 'named' | 'tag-or-named';
}

const NAMESPACED_REF = /^([a-z0-9][a-z0-9-]*)\/([^/\s]+:[^\s]+)$/;
const BARE_NUMBER = /^[0-9]+$/;

/**
 * Every replacement a set of variable changes implies for one file, the way the catalog's
 * update bot renders variables:
 * - the old value becomes the new one where it stands as a whole token in a rendering site
 *   (the `vars:` entry, `name=<VERSION>` pins, tags, URLs, `uses:` references, paths, steps);
 *   a bare number (`REL: "1"`) only under its own name;
 * - an image reference `ns/repo:tag` also stands registry-qualified as `<host>/repo:tag`
 *   in `uses:` and artifact names: each host seen in the file is rewritten alike;
 * - another variable whose value is a version derived from the old one (its upstream core,
 *   or a dotted prefix such as major.minor) takes the same derivation of the new one, and
 *   so do the tags rendered from it;
 * - a bare-number variable (a package revision) also moves where it is rendered after a
 *   version variable of the file: `<VERSION>-r<REL>` and `<VERSION>-<REL>` become the new
 *   version (if it changes too) with the new revision.
 * `vars` are the file's variables (name → value) as they stand before the change.
 */
export function planReplacements(
  text: string,
  vars: ReadonlyMap<string, string>,
  changes: readonly VarChange[],
): Replacement[] {
  const plan = new Map<string, Replacement>();
  const add = (r: Omit<Replacement, 'bounded'>) => {
    if (r.from !== r.to && !plan.has(r.from)) plan.set(r.from, { ...r, bounded: true });
  };
  for (const c of changes)
    add({
      from: c.old,
      to: c.new,
      reason: 'value',
      variable: c.name,
      reach: BARE_NUMBER.test(c.old) ? 'named' : 'token',
    });
  for (const c of changes) {
    const o = NAMESPACED_REF.exec(c.old);
    const n = NAMESPACED_REF.exec(c.new);
    if (!o || !n || c.old === c.new) continue;
    for (const host of hostsBefore(text, o[2] as string)) {
      add({
        from: `${host}/${o[2]}`,
        to: `${host}/${n[2]}`,
        reason: 'registry-reference',
        variable: c.name,
        reach: 'token',
      });
    }
  }
  for (const c of changes) {
    if (c.old === c.new) continue;
    const before = versionDerivations(c.old);
    const after = versionDerivations(c.new);
    for (const [name, value] of vars) {
      if (name === c.name) continue;
      for (const [kind, derived] of before) {
        const next = after.get(kind);
        if (value === derived && next !== undefined)
          add({
            from: derived,
            to: next,
            reason: 'derived-version',
            variable: name,
            reach: BARE_NUMBER.test(derived) ? 'tag-or-named' : 'token',
          });
      }
    }
  }
  for (const c of changes) {
    if (c.old === c.new || !BARE_NUMBER.test(c.old) || !BARE_NUMBER.test(c.new)) continue;
    for (const [name, value] of vars) {
      if (name === c.name || versionDerivations(value).size === 0) continue;
      const next = changes.find((x) => x.old === value)?.new ?? value;
      for (const sep of ['-r', '-'])
        add({
          from: `${value}${sep}${c.old}`,
          to: `${next}${sep}${c.new}`,
          reason: 'package-revision',
          variable: c.name,
          reach: 'token',
        });
    }
  }
  return [...plan.values()];
}

/** The registry hosts (names with a dot) that `rest` stands behind in `text`. */
function hostsBefore(text: string, rest: string): Set<string> {
  const hosts = new Set<string>();
  const re = new RegExp(`([a-z0-9-]+(?:\\.[a-z0-9-]+)+(?::\\d+)?)/${escapeRegExp(rest)}`, 'g');
  for (const m of text.matchAll(re)) hosts.add(m[1] as string);
  return hosts;
}

/**
 * Applies a plan to a definition's text, inside its rendering sites only (renderSites): the
 * rest of the text (keys, comments, dates, accounts, repositories, …) is never touched.
 * In each site, at each position the longest matching whole token wins, and a replaced text is
 * never matched again (so `VERSION` 1.2 → 1.3 and a reference holding 1.2 change
 * independently). A version inside an image reference pinned by digest
 * (`repo:1.2-debian13@sha256:…`) is left alone unless that digest changes too (a reference
 * or digest variable of the same plan): a tag must never move away from its digest. A plain scalar keeps its type: a string
 * whose new text would load as a number (`26.1.2` → `26.2`) is written double-quoted.
 * A text that is not one well-formed YAML document is returned as it is.
 */
export function applyReplacements(text: string, plan: readonly Replacement[]): string {
  if (plan.length === 0 || !plan.some((r) => text.includes(r.from))) return text;
  const sites = renderSites(text);
  if (!sites) return text;
  const tokens = matcher(
    plan.filter((r) => r.reach === 'token'),
    plan,
  );
  const tagTokens = matcher(
    plan.filter((r) => r.reach !== 'named'),
    plan,
  );
  const named = plan.filter((r) => r.reach !== 'token');
  let out = '';
  let at = 0;
  for (const site of sites) {
    const source = text.slice(site.start, site.end);
    const whole = named.find((r) => isOwnScalar(site, r));
    const edited = whole ? replaceWhole(site, source, whole.to) : (site.kind === 'tag' ? tagTokens : tokens)(source);
    if (edited === source) continue;
    out += text.slice(at, site.start) + keepType(site, edited);
    at = site.end;
  }
  return at === 0 ? text : out + text.slice(at);
}

/**
 * A function replacing the plan's whole tokens in one site's text, longest first. A token
 * inside a digest-pinned reference moves only if that digest is among the `moving` values.
 */
function matcher(plan: readonly Replacement[], moving: readonly Replacement[]): (source: string) => string {
  if (plan.length === 0) return (source) => source;
  const byFrom = new Map(plan.map((r) => [r.from, r]));
  const digests = new Set(moving.flatMap((r) => [...r.from.matchAll(/sha256:[0-9a-f]{64}/g)].map((m) => m[0])));
  const sorted = [...plan].sort((a, b) => b.from.length - a.from.length);
  const re = new RegExp(sorted.map((r) => wholeTokenSource(r.from)).join('|'), 'g');
  return (source) =>
    source.replace(re, (found: string, offset: number) => {
      const r = byFrom.get(found);
      if (!r) return found;
      const digest = r.from.includes('@') ? undefined : pinningDigest(source, offset + found.length);
      return digest === undefined || digests.has(digest) ? r.to : found;
    });
}

/** The digest the token going on at `end` continues into (`…-debian13@sha256:<hex>`), if any. */
function pinningDigest(source: string, end: number): string | undefined {
  const rest = /^[^\s'"]*/.exec(source.slice(end))?.[0] ?? '';
  return /@(sha256:[0-9a-f]{64})/.exec(rest)?.[1];
}

/** Whether a site is the whole scalar of `r`'s variable: its `vars:` entry or a key named like it. */
function isOwnScalar(site: RenderSite, r: Replacement): boolean {
  if (String(site.value) !== r.from || site.key === undefined) return false;
  if (site.kind === 'var') return site.key === r.variable;
  if (r.reach !== 'named') return false;
  const short = r.variable.split('_').pop() as string;
  return site.key.toLowerCase() === r.variable.toLowerCase() || site.key.toLowerCase() === short.toLowerCase();
}

function replaceWhole(site: RenderSite, source: string, to: string): string {
  const quoted = site.style === 'QUOTE_DOUBLE' || site.style === 'QUOTE_SINGLE';
  return quoted ? `${source[0]}${to}${source[source.length - 1]}` : to;
}

const NOT_A_STRING =
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$/;

/** A plain string scalar whose edited text would load as another type is double-quoted. */
function keepType(site: RenderSite, edited: string): string {
  if (site.style !== 'PLAIN' || typeof site.value !== 'string' || !NOT_A_STRING.test(edited)) return edited;
  return `"${edited}"`;
}
