import type { VarChange } from './var-change';
import { versionDerivations } from './version-derivations';

/** One textual replacement of a plan; `bounded` ones match whole version tokens only. */
export interface Replacement {
  from: string;
  to: string;
  bounded: boolean;
  /** Why: the variable itself, a registry-qualified rendering of it, or a derived variable. */
  reason: 'value' | 'registry-reference' | 'derived-version';
  variable: string;
}

const NAMESPACED_REF = /^([a-z0-9][a-z0-9-]*)\/([^/\s]+:[^\s]+)$/;

/**
 * Every replacement a set of variable changes implies for one file, the way the catalog's
 * update bot renders variables:
 * - the old value becomes the new one wherever it stands (the `vars:` entry and every
 *   place rendered from it: `name=<VERSION>` pins, URLs, `uses:` references);
 * - an image reference `ns/repo:tag` also stands registry-qualified as `<host>/repo:tag`
 *   in `uses:` and artifact names: each host seen in the file is rewritten alike;
 * - another variable whose value is a version derived from the old one (its upstream core,
 *   or a dotted prefix such as major.minor) takes the same derivation of the new one, and
 *   so do the tags rendered from it (whole version tokens only).
 * `vars` are the file's variables (name → value) as they stand before the change.
 */
export function planReplacements(text: string, vars: ReadonlyMap<string, string>, changes: readonly VarChange[]): Replacement[] {
  const plan = new Map<string, Replacement>();
  const add = (r: Replacement) => {
    if (r.from !== r.to && !plan.has(r.from)) plan.set(r.from, r);
  };
  for (const c of changes) add({ from: c.old, to: c.new, bounded: false, reason: 'value', variable: c.name });
  for (const c of changes) {
    const o = NAMESPACED_REF.exec(c.old);
    const n = NAMESPACED_REF.exec(c.new);
    if (!o || !n || c.old === c.new) continue;
    for (const host of hostsBefore(text, o[2] as string)) {
      add({ from: `${host}/${o[2]}`, to: `${host}/${n[2]}`, bounded: false, reason: 'registry-reference', variable: c.name });
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
        if (value === derived && next !== undefined) add({ from: derived, to: next, bounded: true, reason: 'derived-version', variable: name });
      }
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
 * Applies a plan in one pass: at each position the longest matching `from` wins, and a
 * replaced text is never matched again (so `VERSION` 1.2 → 1.3 and a reference holding
 * 1.2 change independently). Bounded replacements match only where no letter, digit or
 * dot stands before and no digit (or dot and digit) after.
 */
export function applyReplacements(text: string, plan: readonly Replacement[]): string {
  if (plan.length === 0) return text;
  const byFrom = new Map(plan.map((r) => [r.from, r]));
  const alternatives = [...plan]
    .sort((a, b) => b.from.length - a.from.length)
    .map((r) => (r.bounded ? `(?<![A-Za-z0-9.])${escapeRegExp(r.from)}(?![0-9]|\\.[0-9])` : escapeRegExp(r.from)));
  const re = new RegExp(alternatives.join('|'), 'g');
  return text.replace(re, (found) => byFrom.get(found)?.to ?? found);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
