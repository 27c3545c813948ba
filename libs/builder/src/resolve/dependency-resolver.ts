import { TerminalError } from '@patch-factory/contracts';
import { resolvePin, type DebianPackage, type PackageIndex } from '@patch-factory/debian';
import { BuilderErrorCode, builderTerminal, shown } from '../builder-errors';
import { parsePackageSpec, type PackageSpec } from './package-spec';
import { buildProviderIndex, provides, type Provider } from './provider-index';
import { parseRelations, relationText, type Relation, type RelationGroup } from './relation-parse';
import { versionSatisfies } from './version-satisfies';

export interface ResolveOptions {
  /** The image's architecture (default `amd64`); packages of `all` are installable too. */
  architecture?: string;
  /** Candidates tried in all (backtracking included) before giving up; default 100000. */
  maxSteps?: number;
  /** The longest dependency chain followed; default 256. */
  maxDepth?: number;
}

export interface ResolvedPackages {
  /** The closed set to install, one version per package, sorted by name. */
  packages: DebianPackage[];
  /** Why each package is there: the chain from a requested package (`redis-server -> libc6`). */
  neededBy: ReadonlyMap<string, string>;
}

/** A failure that the resolver may recover from by trying another alternative. */
class Unresolved extends Error {}

/**
 * Resolves a definition's `contents.packages` (`name`, `name=version`, `!name`) against an
 * index into the closed set of packages to install, following Pre-Depends and Depends,
 * alternatives (the first one that can be installed, with backtracking), versioned relations
 * in dpkg's order and virtual packages (versioned Provides too). An excluded package is never
 * installed. Throws `build-unresolvable` naming the chain that needed what cannot be had,
 * `build-spec-invalid` for a bad entry and `build-resolve-too-complex` past the step bound.
 */
export function resolvePackages(specs: readonly (string | PackageSpec)[], index: PackageIndex, opts: ResolveOptions = {}): ResolvedPackages {
  return new Resolver(index, opts).run(specs.map((s) => (typeof s === 'string' ? parsePackageSpec(s) : s)));
}

class Resolver {
  private readonly arch: string;
  private readonly maxSteps: number;
  private readonly maxDepth: number;
  private readonly excluded = new Set<string>();
  private readonly selected = new Map<string, DebianPackage>();
  private readonly order: string[] = [];
  private readonly expanded = new Set<string>();
  private readonly why = new Map<string, string>();
  private readonly deps = new WeakMap<DebianPackage, RelationGroup[]>();
  private providers: Map<string, Provider[]> | undefined;
  private steps = 0;

  constructor(
    private readonly index: PackageIndex,
    opts: ResolveOptions,
  ) {
    this.arch = opts.architecture ?? 'amd64';
    this.maxSteps = opts.maxSteps ?? 100_000;
    this.maxDepth = opts.maxDepth ?? 256;
  }

  run(specs: PackageSpec[]): ResolvedPackages {
    for (const s of specs) if (s.kind === 'exclude') this.excluded.add(s.name);
    const wanted = specs.filter((s): s is Exclude<PackageSpec, { kind: 'exclude' }> => s.kind !== 'exclude');
    for (const s of wanted) {
      if (this.excluded.has(s.name)) {
        throw builderTerminal(BuilderErrorCode.specInvalid, `${s.name} is both requested and excluded (!${s.name}) in contents.packages: keep one`);
      }
    }
    try {
      const pins = wanted.filter((s) => s.kind === 'pin').sort((a, b) => cmp(a.name, b.name));
      for (const pin of pins) this.selectPin(pin);
      const names = wanted.filter((s) => s.kind === 'name').sort((a, b) => cmp(a.name, b.name));
      for (const s of names) this.satisfy([{ name: s.name, ...(s.arch ? { arch: s.arch } : {}) }], [], 0);
      for (const pin of pins) {
        const pkg = this.selected.get(pin.name);
        if (pkg) this.expand(pkg, [pin.name], 0);
      }
    } catch (error) {
      if (error instanceof Unresolved) throw builderTerminal(BuilderErrorCode.unresolvable, shown(error.message, 4000));
      throw error;
    }
    const packages = [...this.selected.values()].sort((a, b) => cmp(a.Package, b.Package));
    return { packages, neededBy: new Map([...this.why].sort(([a], [b]) => cmp(a, b))) };
  }

  private selectPin(pin: Extract<PackageSpec, { kind: 'pin' }>): void {
    let pkg: DebianPackage;
    try {
      pkg = resolvePin(this.index, pin.text);
    } catch (error) {
      if (error instanceof TerminalError) throw builderTerminal(BuilderErrorCode.unresolvable, `${shown(pin.text, 80)}: ${error.message}`, error);
      throw error;
    }
    if (!this.installable(pkg)) {
      throw builderTerminal(BuilderErrorCode.unresolvable, `${pin.text}: the index has it only for ${pkg.Architecture}, not ${this.arch}`);
    }
    const other = this.selected.get(pkg.Package);
    if (other && other !== pkg) {
      throw builderTerminal(BuilderErrorCode.specInvalid, `${pkg.Package} is pinned twice (${other.Version} and ${pkg.Version}) in contents.packages: keep one`);
    }
    this.select(pkg, [pkg.Package]);
  }

  /** Makes one alternative of `group` true, trying them in order; throws Unresolved. */
  private satisfy(group: RelationGroup, chain: readonly string[], depth: number): void {
    if (group.some((r) => this.satisfiedBy(r) !== undefined)) return;
    const reasons: string[] = [];
    for (const r of group) {
      const reason = this.tryRelation(r, chain, depth);
      if (reason === undefined) return;
      reasons.push(reason);
    }
    if (reasons.length === 1) throw new Unresolved(reasons[0]);
    const here = [...chain, group.map(relationText).join(' | ')].join(' -> ');
    throw new Unresolved(`${here}: no alternative can be installed (${reasons.join('; ')})`);
  }

  /** Installs a candidate for `r`; the reason it cannot, or undefined when done. */
  private tryRelation(r: Relation, chain: readonly string[], depth: number): string | undefined {
    const here = [...chain, relationText(r)].join(' -> ');
    const chosen = this.selected.get(r.name);
    const real = this.excluded.has(r.name) || chosen ? [] : this.candidates(r.name).filter((p) => this.matches(p, r));
    const virtual = this.providersOf(r.name)
      .filter((v) => !this.excluded.has(v.pkg.Package) && !this.selected.has(v.pkg.Package) && provides(v, r))
      .map((v) => v.pkg);
    const list = [...new Set([...real, ...virtual])];
    if (list.length === 0) return `${here}: ${this.whyNone(r, chosen)}`;
    const reasons: string[] = [];
    for (const pkg of list) {
      const mark = this.order.length;
      try {
        this.install(pkg, [...chain, pkg.Package], depth + 1);
        return undefined;
      } catch (error) {
        if (!(error instanceof Unresolved)) throw error;
        this.undo(mark);
        reasons.push(error.message);
      }
    }
    return reasons.join('; ');
  }

  private whyNone(r: Relation, chosen: DebianPackage | undefined): string {
    const all = this.candidates(r.name);
    const providers = this.providersOf(r.name);
    if (this.excluded.has(r.name) || (all.length === 0 && providers.length > 0 && providers.every((v) => this.excluded.has(v.pkg.Package)))) {
      return `only excluded packages satisfy it (!${r.name}): drop the exclusion or the package that needs it`;
    }
    if (chosen) return `${chosen.Package} ${chosen.Version} is already chosen (for ${this.why.get(chosen.Package) ?? chosen.Package}) and does not satisfy it`;
    if (all.length === 0 && providers.length === 0) return `no package or provider named ${r.name} in the index for ${this.arch}`;
    const versions = all.slice(0, 5).map((p) => p.Version);
    return `no version satisfies${versions.length ? ` (the index has ${versions.join(', ')}${all.length > 5 ? ', …' : ''})` : ''}`;
  }

  private install(pkg: DebianPackage, chain: readonly string[], depth: number): void {
    if (++this.steps > this.maxSteps) {
      throw builderTerminal(
        BuilderErrorCode.resolveTooComplex,
        `resolving stopped after ${this.maxSteps} candidates at ${chain.join(' -> ')}: pin or exclude packages to narrow the choice`,
      );
    }
    if (depth > this.maxDepth) throw new Unresolved(`${chain.slice(0, 8).join(' -> ')} -> …: dependency chain deeper than ${this.maxDepth}`);
    this.select(pkg, chain);
    this.expand(pkg, chain, depth);
  }

  private expand(pkg: DebianPackage, chain: readonly string[], depth: number): void {
    if (this.expanded.has(pkg.Package)) return;
    this.expanded.add(pkg.Package);
    for (const group of this.dependencies(pkg)) this.satisfy(group, chain, depth);
  }

  private select(pkg: DebianPackage, chain: readonly string[]): void {
    this.selected.set(pkg.Package, pkg);
    this.order.push(pkg.Package);
    this.why.set(pkg.Package, chain.join(' -> '));
  }

  private undo(mark: number): void {
    for (const name of this.order.splice(mark)) {
      this.selected.delete(name);
      this.expanded.delete(name);
      this.why.delete(name);
    }
  }

  private satisfiedBy(r: Relation): DebianPackage | undefined {
    const p = this.selected.get(r.name);
    if (p && this.matches(p, r)) return p;
    return this.providersOf(r.name).find((v) => this.selected.get(v.pkg.Package) === v.pkg && provides(v, r))?.pkg;
  }

  private matches(p: DebianPackage, r: Relation): boolean {
    if (r.arch !== undefined && r.arch !== 'any' && r.arch !== 'native' && r.arch !== p.Architecture && !(r.arch === this.arch && p.Architecture === 'all')) return false;
    return r.op === undefined || r.version === undefined || versionSatisfies(p.Version, r.op, r.version);
  }

  private installable(p: DebianPackage): boolean {
    return p.Architecture === this.arch || p.Architecture === 'all';
  }

  /** Real packages of a name installable here, newest first. */
  private candidates(name: string): DebianPackage[] {
    return (this.index.byName.get(name) ?? []).filter((p) => this.installable(p));
  }

  private dependencies(pkg: DebianPackage): RelationGroup[] {
    let groups = this.deps.get(pkg);
    if (groups === undefined) {
      try {
        groups = [...parseRelations(pkg['Pre-Depends'], pkg.Package), ...parseRelations(pkg.Depends, pkg.Package)];
      } catch (error) {
        throw new Unresolved(error instanceof Error ? error.message : String(error));
      }
      this.deps.set(pkg, groups);
    }
    return groups;
  }

  private providersOf(name: string): readonly Provider[] {
    this.providers ??= buildProviderIndex(this.index, (p) => this.installable(p));
    return this.providers.get(name) ?? [];
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
