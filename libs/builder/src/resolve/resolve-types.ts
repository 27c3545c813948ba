import type { DebianPackage } from '@patch-factory/debian';

export interface ResolveOptions {
  /** The image's architecture (default `amd64`); packages of `all` are installable too. */
  architecture?: string;
  /** Candidates tried in all (backtracking and retries included) before giving up; default 100000. */
  maxSteps?: number;
  /** The longest dependency chain followed; default 256. */
  maxDepth?: number;
}

/** A dependency left out because only excluded packages (`!name`) could satisfy it. */
export interface DroppedDependency {
  /** The package whose dependency it is. */
  package: string;
  /** The dependency as the package states it: `debconf (>= 0.5) | debconf-2.0`. */
  relation: string;
  /** Why that package is there: the chain from a requested package (`redis-server -> libssl3`). */
  chain: string;
}

export interface ResolvedPackages {
  /** The closed set to install, one version per package, sorted by name. */
  packages: DebianPackage[];
  /** Why each package is there: the chain from a requested package (`redis-server -> libc6`). */
  neededBy: ReadonlyMap<string, string>;
  /** The dependencies cut by exclusions, sorted by package then relation. */
  dropped: DroppedDependency[];
}
