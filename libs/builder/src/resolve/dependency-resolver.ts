import type { PackageIndex } from '@patch-factory/debian';
import { BuilderErrorCode, builderTerminal, shown } from '../builder-errors';
import { IndexView } from './index-view';
import { PackageRelations } from './package-relations';
import { parsePackageSpec, type PackageSpec } from './package-spec';
import type { ResolvedPackages, ResolveOptions } from './resolve-types';
import { Resolver, type ResolveRun } from './resolver';
import { Unresolved } from './unresolved';

export type { DroppedDependency, ResolvedPackages, ResolveOptions } from './resolve-types';

/** How many times a failed resolution is retried with one more clashing package left out. */
const MAX_RETRIES = 16;

/**
 * Resolves a definition's `contents.packages` (`name`, `name=version`, `!name`) against an
 * index into the closed set of packages to install, following Pre-Depends and Depends,
 * alternatives (the first one that can be installed, with backtracking), versioned relations
 * in dpkg's order and virtual packages (versioned Provides too).
 *
 * Exclusions cut dependencies: an excluded package is never installed, and a dependency that
 * only excluded packages could satisfy (every alternative excluded, real packages and the
 * providers of virtual names alike; an alternative the index does not carry at all does not
 * keep it alive) is dropped and reported in `dropped`. A requested package is never dropped.
 *
 * Conflicts and Breaks hold both ways (versions in dpkg's order, virtual names through
 * Provides, never a package against itself): a candidate that clashes with a selected package
 * is not installable, and the next alternative is tried. A resolution that fails after such a
 * clash with a package an alternative chose earlier is retried with that package left out.
 *
 * Throws `build-unresolvable` naming the chain that needed what cannot be had (for a clash,
 * both packages and the chains that needed them), `build-spec-invalid` for a bad entry and
 * `build-resolve-too-complex` past the step bound (counted over the retries).
 */
export function resolvePackages(
  specs: readonly (string | PackageSpec)[],
  index: PackageIndex,
  opts: ResolveOptions = {},
): ResolvedPackages {
  const parsed = specs.map((s) => (typeof s === 'string' ? parsePackageSpec(s) : s));
  const avoid = new Map<string, string>();
  const run: ResolveRun = {
    view: new IndexView(index, opts.architecture ?? 'amd64'),
    relations: new PackageRelations(),
    maxSteps: opts.maxSteps ?? 100_000,
    maxDepth: opts.maxDepth ?? 256,
    steps: 0,
    avoid,
  };
  for (;;) {
    const resolver = new Resolver(run);
    try {
      return resolver.run(parsed);
    } catch (error) {
      if (!(error instanceof Unresolved)) throw error;
      const next = [...resolver.blockers].find(([name]) => !avoid.has(name));
      if (next === undefined || avoid.size >= MAX_RETRIES)
        throw builderTerminal(BuilderErrorCode.unresolvable, shown(error.message, 4000));
      avoid.set(...next);
    }
  }
}
