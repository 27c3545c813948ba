import { TerminalError } from '@patch-factory/contracts';
import { resolvePin, type DebianPackage } from '@patch-factory/debian';
import { BuilderErrorCode, builderTerminal, shown } from '../builder-errors';
import { collisionText, ConflictIndex } from './conflict-index';
import { cutOff, exclusionOf, excludedText } from './exclusion-cut';
import type { IndexView } from './index-view';
import type { PackageRelations } from './package-relations';
import type { PackageSpec } from './package-spec';
import { provides } from './provider-index';
import { relationText, type Relation, type RelationGroup } from './relation-parse';
import type { DroppedDependency, ResolvedPackages } from './resolve-types';
import { Unresolved } from './unresolved';

/** What one resolution shares with its retries. */
export interface ResolveRun {
  view: IndexView;
  relations: PackageRelations;
  maxSteps: number;
  maxDepth: number;
  /** Candidates tried so far, over every retry. */
  steps: number;
  /** Packages left out on this retry, with the clash that made it so. */
  avoid: ReadonlyMap<string, string>;
}

type Mark = { order: number; dropped: number };

/** One resolution attempt (see resolvePackages); throws Unresolved when it fails. */
export class Resolver {
  /** Packages chosen for an alternative that a later candidate clashed with, and the clash. */
  readonly blockers = new Map<string, string>();
  private readonly selected = new Map<string, DebianPackage>();
  private readonly excluded = new Set<string>();
  private readonly requested = new Set<string>();
  private readonly pinned = new Set<string>();
  private readonly order: string[] = [];
  private readonly expanded = new Set<string>();
  private readonly why = new Map<string, string>();
  private readonly dropped: DroppedDependency[] = [];
  private readonly view: IndexView;
  private readonly clashes: ConflictIndex;

  constructor(private readonly ctx: ResolveRun) {
    this.view = ctx.view;
    this.clashes = new ConflictIndex(ctx.view, ctx.relations, this.selected);
  }

  run(specs: readonly PackageSpec[]): ResolvedPackages {
    for (const s of specs) if (s.kind === 'exclude') this.excluded.add(s.name);
    const wanted = specs.filter((s): s is Exclude<PackageSpec, { kind: 'exclude' }> => s.kind !== 'exclude');
    for (const s of wanted) {
      if (this.excluded.has(s.name)) {
        throw builderTerminal(
          BuilderErrorCode.specInvalid,
          `${s.name} is both requested and excluded (!${s.name}) in contents.packages: keep one`,
        );
      }
      this.requested.add(s.name);
    }
    const pins = wanted.filter((s) => s.kind === 'pin').sort((a, b) => cmp(a.name, b.name));
    for (const pin of pins) this.selectPin(pin);
    const names = wanted.filter((s) => s.kind === 'name').sort((a, b) => cmp(a.name, b.name));
    for (const s of names) this.satisfy([{ name: s.name, ...(s.arch ? { arch: s.arch } : {}) }], [], 0);
    for (const pin of pins) {
      const pkg = this.selected.get(pin.name);
      if (pkg) this.expand(pkg, [pin.name], 0);
    }
    const packages = [...this.selected.values()].sort((a, b) => cmp(a.Package, b.Package));
    const dropped = [...this.dropped].sort((a, b) => cmp(a.package, b.package) || cmp(a.relation, b.relation));
    return { packages, neededBy: new Map([...this.why].sort(([a], [b]) => cmp(a, b))), dropped };
  }

  private selectPin(pin: Extract<PackageSpec, { kind: 'pin' }>): void {
    let pkg: DebianPackage;
    try {
      pkg = resolvePin(this.view.index, pin.text);
    } catch (error) {
      if (error instanceof TerminalError) throw builderTerminal(BuilderErrorCode.unresolvable, error.message, error);
      throw error;
    }
    if (!this.view.installable(pkg)) {
      throw builderTerminal(
        BuilderErrorCode.unresolvable,
        `${pin.text}: the index has it only for ${pkg.Architecture}, not ${this.view.arch}`,
      );
    }
    const other = this.selected.get(pkg.Package);
    if (other && other !== pkg) {
      throw builderTerminal(
        BuilderErrorCode.specInvalid,
        `${pkg.Package} is pinned twice (${other.Version} and ${pkg.Version}) in contents.packages: keep one`,
      );
    }
    this.pinned.add(pkg.Package);
    try {
      const hit = this.clashes.collision(pkg);
      if (hit) throw new Unresolved(collisionText(hit, (p) => this.who(p, pkg, [pkg.Package])));
    } catch (error) {
      if (error instanceof Unresolved)
        throw builderTerminal(BuilderErrorCode.unresolvable, `${shown(pin.text, 80)}: ${shown(error.message, 4000)}`);
      throw error;
    }
    this.select(pkg, [pkg.Package]);
  }

  /** Makes one alternative of `group` true, trying them in order, or drops it when exclusions cut it. */
  private satisfy(group: RelationGroup, chain: readonly string[], depth: number): void {
    if (group.some((r) => this.satisfiedBy(r) !== undefined)) return;
    const text = group.map(relationText).join(' | ');
    if (chain.length > 0 && cutOff(group, this.view, this.excluded)) {
      this.dropped.push({ package: chain[chain.length - 1] ?? '', relation: text, chain: chain.join(' -> ') });
      return;
    }
    const reasons: string[] = [];
    for (const r of group) {
      const reason = this.tryRelation(r, chain, depth);
      if (reason === undefined) return;
      reasons.push(reason);
    }
    if (reasons.length === 1) throw new Unresolved(reasons[0]);
    throw new Unresolved(`${[...chain, text].join(' -> ')}: no alternative can be installed (${reasons.join('; ')})`);
  }

  /** Installs a candidate for `r`; the reason it cannot, or undefined when done. */
  private tryRelation(r: Relation, chain: readonly string[], depth: number): string | undefined {
    const chosen = this.selected.get(r.name);
    const real =
      this.excluded.has(r.name) || chosen ? [] : this.view.candidates(r.name).filter((p) => this.view.matches(p, r));
    const virtual = this.view
      .providersOf(r.name)
      .filter((v) => !this.excluded.has(v.pkg.Package) && !this.selected.has(v.pkg.Package) && provides(v, r))
      .map((v) => v.pkg);
    const list = [...new Set([...real, ...virtual])];
    if (list.length === 0) return `${[...chain, relationText(r)].join(' -> ')}: ${this.whyNone(r, chosen)}`;
    const reasons: string[] = [];
    for (const pkg of list) {
      const left = this.ctx.avoid.get(pkg.Package);
      if (left !== undefined) {
        reasons.push(`${[...chain, pkg.Package].join(' -> ')}: left out on a retry, as ${left}`);
        continue;
      }
      const mark = this.mark();
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
    if (exclusionOf(r, this.view, this.excluded) === 'cut') return excludedText(r, this.view);
    if (chosen)
      return `${chosen.Package} ${chosen.Version} is already chosen (for ${this.why.get(chosen.Package) ?? chosen.Package}) and does not satisfy it`;
    if (this.view.absent(r.name)) return `no package or provider named ${r.name} in the index for ${this.view.arch}`;
    const all = this.view.candidates(r.name);
    const versions = all.slice(0, 5).map((p) => p.Version);
    return `no version satisfies${versions.length ? ` (the index has ${versions.join(', ')}${all.length > 5 ? ', …' : ''})` : ''}`;
  }

  private install(pkg: DebianPackage, chain: readonly string[], depth: number): void {
    if (++this.ctx.steps > this.ctx.maxSteps) {
      throw builderTerminal(
        BuilderErrorCode.resolveTooComplex,
        `resolving stopped after ${this.ctx.maxSteps} candidates at ${chain.join(' -> ')}: pin or exclude packages to narrow the choice`,
      );
    }
    if (depth > this.ctx.maxDepth)
      throw new Unresolved(`${chain.slice(0, 8).join(' -> ')} -> …: dependency chain deeper than ${this.ctx.maxDepth}`);
    const hit = this.clashes.collision(pkg);
    if (hit) {
      const text = collisionText(hit, (p) => this.who(p, pkg, chain));
      const other = hit.clash.owner === pkg ? hit.target : hit.clash.owner;
      if (!this.requested.has(other.Package) && !this.blockers.has(other.Package))
        this.blockers.set(other.Package, text);
      throw new Unresolved(text);
    }
    this.select(pkg, chain);
    this.expand(pkg, chain, depth);
  }

  /** A package in a clash message: `x (pinned =1)`, `x (requested)`, `x (needed by a -> x)`. */
  private who(p: DebianPackage, candidate: DebianPackage, chain: readonly string[]): string {
    if (this.pinned.has(p.Package)) return `${p.Package} (pinned =${p.Version})`;
    const path = p === candidate ? chain.join(' -> ') : (this.why.get(p.Package) ?? p.Package);
    return path === p.Package ? `${p.Package} (requested)` : `${p.Package} (needed by ${path})`;
  }

  private expand(pkg: DebianPackage, chain: readonly string[], depth: number): void {
    if (this.expanded.has(pkg.Package)) return;
    this.expanded.add(pkg.Package);
    for (const group of this.ctx.relations.dependencies(pkg)) this.satisfy(group, chain, depth);
  }

  private select(pkg: DebianPackage, chain: readonly string[]): void {
    this.selected.set(pkg.Package, pkg);
    this.order.push(pkg.Package);
    this.why.set(pkg.Package, chain.join(' -> '));
    this.clashes.add(pkg);
  }

  private mark(): Mark {
    return { order: this.order.length, dropped: this.dropped.length };
  }

  private undo(mark: Mark): void {
    for (const name of this.order.splice(mark.order).reverse()) {
      const pkg = this.selected.get(name);
      if (pkg) this.clashes.remove(pkg);
      this.selected.delete(name);
      this.expanded.delete(name);
      this.why.delete(name);
    }
    this.dropped.length = mark.dropped;
  }

  private satisfiedBy(r: Relation): DebianPackage | undefined {
    const p = this.selected.get(r.name);
    if (p && this.view.matches(p, r)) return p;
    return this.view.providersOf(r.name).find((v) => this.selected.get(v.pkg.Package) === v.pkg && provides(v, r))?.pkg;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
