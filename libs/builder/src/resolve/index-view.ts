import type { DebianPackage, PackageIndex } from '@patch-factory/debian';
import { buildProviderIndex, provides, type Provider } from './provider-index';
import type { Relation } from './relation-parse';
import { versionSatisfies } from './version-satisfies';

/** An index as seen from one architecture: what is installable, what meets a relation. */
export class IndexView {
  private providers: Map<string, Provider[]> | undefined;

  constructor(
    readonly index: PackageIndex,
    readonly arch: string,
  ) {}

  /** Whether a real package meets a relation (version in dpkg's order, architecture qualifier). */
  matches(p: DebianPackage, r: Relation): boolean {
    if (
      r.arch !== undefined &&
      r.arch !== 'any' &&
      r.arch !== 'native' &&
      r.arch !== p.Architecture &&
      !(r.arch === this.arch && p.Architecture === 'all')
    )
      return false;
    return r.op === undefined || r.version === undefined || versionSatisfies(p.Version, r.op, r.version);
  }

  installable(p: DebianPackage): boolean {
    return p.Architecture === this.arch || p.Architecture === 'all';
  }

  /** Real packages of a name installable here, newest first. */
  candidates(name: string): DebianPackage[] {
    return (this.index.byName.get(name) ?? []).filter((p) => this.installable(p));
  }

  /** Installable providers of a virtual name, by provider name, newest first. */
  providersOf(name: string): readonly Provider[] {
    this.providers ??= buildProviderIndex(this.index, (p) => this.installable(p));
    return this.providers.get(name) ?? [];
  }

  /** Every installable package that meets `r`: real ones first, then providers. */
  couldSatisfy(r: Relation): DebianPackage[] {
    const real = this.candidates(r.name).filter((p) => this.matches(p, r));
    return [
      ...real,
      ...this.providersOf(r.name)
        .filter((v) => provides(v, r))
        .map((v) => v.pkg),
    ];
  }

  /** Whether nothing in the index (for this architecture) carries the name, in any version. */
  absent(name: string): boolean {
    return this.candidates(name).length === 0 && this.providersOf(name).length === 0;
  }
}
