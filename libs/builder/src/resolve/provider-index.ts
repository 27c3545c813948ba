import type { DebianPackage, PackageIndex } from '@patch-factory/debian';
import { parseRelations, type Relation, type RelationGroup } from './relation-parse';
import { versionSatisfies } from './version-satisfies';

/** A package that provides a virtual name, with the version it provides (`Provides: x (= 1)`). */
export interface Provider {
  pkg: DebianPackage;
  version?: string;
}

/**
 * Virtual name → its providers among the installable packages of an index, sorted by
 * provider name, newest version first. A package whose Provides cannot be read provides
 * nothing (one bad stanza must not stop every build).
 */
export function buildProviderIndex(
  index: PackageIndex,
  installable: (p: DebianPackage) => boolean,
): Map<string, Provider[]> {
  const out = new Map<string, Provider[]>();
  for (const list of index.byName.values()) {
    for (const pkg of list) {
      if (pkg.Provides === undefined || !installable(pkg)) continue;
      let groups: RelationGroup[];
      try {
        groups = parseRelations(pkg.Provides, pkg.Package);
      } catch {
        continue;
      }
      for (const group of groups) {
        for (const r of group) {
          const entry: Provider = { pkg, ...(r.op === '=' && r.version !== undefined ? { version: r.version } : {}) };
          const there = out.get(r.name);
          if (there) there.push(entry);
          else out.set(r.name, [entry]);
        }
      }
    }
  }
  // byName lists are newest first already; a stable sort by name keeps that order.
  for (const list of out.values())
    list.sort((a, b) => (a.pkg.Package < b.pkg.Package ? -1 : a.pkg.Package > b.pkg.Package ? 1 : 0));
  return out;
}

/** Whether a provider satisfies a relation: a versioned relation needs a versioned Provides. */
export function provides(v: Provider, r: Relation): boolean {
  if (r.op === undefined || r.version === undefined) return true;
  return v.version !== undefined && versionSatisfies(v.version, r.op, r.version);
}
