import type { IndexView } from './index-view';
import type { Relation, RelationGroup } from './relation-parse';

/**
 * How exclusions bear on one alternative: `cut` when only excluded packages could satisfy it
 * (or it names an excluded package that no one else provides), `absent` when nothing in the
 * index carries its name, `open` otherwise.
 */
export function exclusionOf(r: Relation, view: IndexView, excluded: ReadonlySet<string>): 'cut' | 'absent' | 'open' {
  const could = view.couldSatisfy(r);
  if (could.length > 0) return could.every((p) => excluded.has(p.Package)) ? 'cut' : 'open';
  if (excluded.has(r.name)) return 'cut';
  return view.absent(r.name) ? 'absent' : 'open';
}

/**
 * Whether exclusions cut a whole dependency: one alternative cut and every other cut or absent
 * (an alternative the index does not carry at all cannot be had either).
 */
export function cutOff(group: RelationGroup, view: IndexView, excluded: ReadonlySet<string>): boolean {
  let cut = false;
  for (const r of group) {
    const state = exclusionOf(r, view, excluded);
    if (state === 'open') return false;
    if (state === 'cut') cut = true;
  }
  return cut;
}

/** Why a cut alternative cannot be installed: `only excluded packages satisfy it (!a, !b): …`. */
export function excludedText(r: Relation, view: IndexView): string {
  const names = [...new Set(view.couldSatisfy(r).map((p) => p.Package))];
  const listed = (names.length > 0 ? names : [r.name]).slice(0, 8).map((n) => `!${n}`);
  return `only excluded packages satisfy it (${listed.join(', ')}${names.length > 8 ? ', …' : ''}): drop the exclusion or the package that needs it`;
}
