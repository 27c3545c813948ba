import type { DebianPackage } from '@patch-factory/debian';
import type { IndexView } from './index-view';
import type { Clash, PackageRelations } from './package-relations';
import { provides, type Provider } from './provider-index';
import { relationText } from './relation-parse';

/** A Conflicts/Breaks relation of `clash.owner` that `target` meets, `via` the name it provides. */
export interface Collision {
  clash: Clash;
  target: DebianPackage;
  via?: Provider;
}

/**
 * The Conflicts and Breaks of the selected packages, by the name they are against, so that a
 * candidate is checked against them without walking every selected package.
 */
export class ConflictIndex {
  private readonly byName = new Map<string, Clash[]>();

  constructor(
    private readonly view: IndexView,
    private readonly relations: PackageRelations,
    private readonly selected: ReadonlyMap<string, DebianPackage>,
  ) {}

  /** Records the clashes of a package just selected. */
  add(pkg: DebianPackage): void {
    for (const c of this.relations.clashesOf(pkg)) {
      const list = this.byName.get(c.relation.name);
      if (list) list.push(c);
      else this.byName.set(c.relation.name, [c]);
    }
  }

  /** Forgets the clashes of a package no longer selected. */
  remove(pkg: DebianPackage): void {
    for (const c of this.relations.clashesOf(pkg)) {
      const list = this.byName.get(c.relation.name);
      const at = list?.lastIndexOf(c) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
    }
  }

  /**
   * The first clash between `candidate` and a selected package, either way: the candidate's own
   * Conflicts/Breaks met by a selected package (by name and version, or through Provides), or a
   * selected package's met by the candidate. A package never clashes with itself, so the usual
   * `Conflicts: foo` + `Provides: foo` self-pattern does not fire. Throws Unresolved when the
   * candidate's relations cannot be read.
   */
  collision(candidate: DebianPackage): Collision | undefined {
    for (const clash of this.relations.clashesOf(candidate)) {
      const r = clash.relation;
      const real = this.selected.get(r.name);
      if (real && real.Package !== candidate.Package && this.view.matches(real, r)) return { clash, target: real };
      const via = this.view
        .providersOf(r.name)
        .find(
          (v) => v.pkg.Package !== candidate.Package && this.selected.get(v.pkg.Package) === v.pkg && provides(v, r),
        );
      if (via) return { clash, target: via.pkg, via };
    }
    for (const clash of this.byName.get(candidate.Package) ?? []) {
      if (clash.owner.Package !== candidate.Package && this.view.matches(candidate, clash.relation))
        return { clash, target: candidate };
    }
    for (const { name, provider } of this.relations.providedBy(candidate)) {
      for (const clash of this.byName.get(name) ?? []) {
        if (clash.owner.Package !== candidate.Package && provides(provider, clash.relation))
          return { clash, target: candidate, via: provider };
      }
    }
    return undefined;
  }
}

/**
 * A clash for a message, both packages told by `who` (their chains): `mawk (needed by x -> mawk)
 * conflicts with original-awk (needed by y -> original-awk): mawk 1.3.4 has "Conflicts: awk",
 * which original-awk 2012 provides`.
 */
export function collisionText(hit: Collision, who: (p: DebianPackage) => string): string {
  const { clash, target, via } = hit;
  const verb = clash.field === 'Conflicts' ? 'conflicts with' : 'breaks';
  const detail = via
    ? `which ${target.Package} ${target.Version} provides${via.version === undefined ? '' : ` as ${via.version}`}`
    : `${target.Package} is ${target.Version}`;
  return `${who(clash.owner)} ${verb} ${who(target)}: ${clash.owner.Package} ${clash.owner.Version} has "${clash.field}: ${relationText(clash.relation)}", ${detail}`;
}
