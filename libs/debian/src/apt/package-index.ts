import { shown } from '@patch-factory/contracts';
import { compareDebianVersions } from '../version-compare';
import { AptErrorCode, aptTerminal } from '../debian-errors';
import type { DebianPackage } from './packages-parse';

/** Packages by name, each list newest version first. */
export interface PackageIndex {
  byName: ReadonlyMap<string, readonly DebianPackage[]>;
  size: number;
}

/** Indexes parsed packages by name, newest version first (dpkg's order). */
export function buildPackageIndex(packages: Iterable<DebianPackage>): PackageIndex {
  const byName = new Map<string, DebianPackage[]>();
  let size = 0;
  for (const p of packages) {
    const list = byName.get(p.Package);
    if (list) list.push(p);
    else byName.set(p.Package, [p]);
    size++;
  }
  for (const list of byName.values())
    if (list.length > 1) list.sort((a, b) => compareDebianVersions(b.Version, a.Version));
  return { byName, size };
}

/** The newest version of a package (by dpkg's order), or undefined when it is not there. */
export function newestPackage(index: PackageIndex, name: string, architecture?: string): DebianPackage | undefined {
  const list = index.byName.get(name) ?? [];
  return architecture === undefined ? list[0] : list.find((p) => p.Architecture === architecture);
}

const PIN = /^([a-z0-9][a-z0-9+.-]+)(?::([a-z0-9][a-z0-9-]*))?=((?:\d+:)?[0-9][A-Za-z0-9.+~:-]*)$/;

/**
 * The package a pin `name=version` (or `name:arch=version`) names. Versions compare as
 * dpkg does (`1.01` is `1.1`). Throws `apt-pin-invalid` for text that is not a pin and
 * `apt-pin-not-found` (listing the versions there are) when the index does not have it.
 */
export function resolvePin(index: PackageIndex, pin: string): DebianPackage {
  const m = PIN.exec(pin.trim());
  if (!m)
    throw aptTerminal(
      AptErrorCode.pinInvalid,
      `"${shown(pin, 80)}" is not a pin: expected name=version (e.g. curl=7.88.1-10+deb12u5)`,
    );
  const [, name = '', arch, version = ''] = m;
  const list = (index.byName.get(name) ?? []).filter((p) => arch === undefined || p.Architecture === arch);
  const hit = list.find((p) => compareDebianVersions(p.Version, version) === 0);
  if (hit) return hit;
  const there = list.slice(0, 5).map((p) => p.Version);
  throw aptTerminal(
    AptErrorCode.pinNotFound,
    there.length
      ? `${name}${arch ? `:${arch}` : ''}=${version} is not in the index; it has ${there.join(', ')}${list.length > 5 ? ', …' : ''}: update the pin`
      : `package ${name}${arch ? `:${arch}` : ''} is not in the index; check its name and the repository`,
  );
}
