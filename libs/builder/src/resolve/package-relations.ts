import type { DebianPackage } from '@patch-factory/debian';
import type { Provider } from './provider-index';
import { parseRelations, type Relation, type RelationGroup } from './relation-parse';
import { Unresolved } from './unresolved';

/** One Conflicts or Breaks relation of a package. */
export interface Clash {
  owner: DebianPackage;
  field: 'Conflicts' | 'Breaks';
  relation: Relation;
}

/**
 * A package's relations, parsed once and cached: its dependencies (Pre-Depends then Depends),
 * its clashes (Conflicts then Breaks) and the names it provides. A field that cannot be read
 * throws Unresolved: the package is then not installable, and the resolver tries another.
 */
export class PackageRelations {
  private readonly deps = new WeakMap<DebianPackage, RelationGroup[]>();
  private readonly clashes = new WeakMap<DebianPackage, Clash[]>();
  private readonly provided = new WeakMap<DebianPackage, { name: string; provider: Provider }[]>();

  dependencies(pkg: DebianPackage): RelationGroup[] {
    let groups = this.deps.get(pkg);
    if (groups === undefined) {
      groups = [...read(pkg['Pre-Depends'], pkg), ...read(pkg.Depends, pkg)];
      this.deps.set(pkg, groups);
    }
    return groups;
  }

  clashesOf(pkg: DebianPackage): Clash[] {
    let list = this.clashes.get(pkg);
    if (list === undefined) {
      const of = (field: Clash['field']) =>
        read(pkg[field], pkg).flatMap((group) => group.map((relation) => ({ owner: pkg, field, relation })));
      list = [...of('Conflicts'), ...of('Breaks')];
      this.clashes.set(pkg, list);
    }
    return list;
  }

  /** The names a package provides, each with the Provider entry (version) it stands for. */
  providedBy(pkg: DebianPackage): { name: string; provider: Provider }[] {
    let list = this.provided.get(pkg);
    if (list === undefined) {
      list = read(pkg.Provides, pkg).flatMap((group) =>
        group.map((r) => ({
          name: r.name,
          provider: { pkg, ...(r.op === '=' && r.version !== undefined ? { version: r.version } : {}) },
        })),
      );
      this.provided.set(pkg, list);
    }
    return list;
  }
}

function read(field: string | undefined, pkg: DebianPackage): RelationGroup[] {
  try {
    return parseRelations(field, pkg.Package);
  } catch (error) {
    throw new Unresolved(error instanceof Error ? error.message : String(error));
  }
}
