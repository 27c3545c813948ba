import { buildPackageIndex, fetchPackages, fetchRelease, newestPackage } from '@patch-factory/debian';
import { securitySuiteMarkOf, withSecuritySuiteMark } from '../advisories/security-update-severity';
import { observe, OutcomeCollector } from '../observe';
import type { PollResult, Source, SourceDeps, SourceState } from '../source';
import { parseDebianPackageConfig, type DebianPackageConfig } from './debian-package-config.schema';

/** The state key holding the signed Release's date: an unchanged Release means unchanged Packages. */
const RELEASE_DATE = 'release-date';

/**
 * `debian_package`: the newest version of a package in a signed APT repository. The Release
 * is verified with gpgv against the entry's keyring (unsigned, forged, unknown-key and expired
 * Releases are refused by libs/debian), the Packages index against the Release's checksum.
 * A Release whose Date has not moved since the last poll is not read further (no observations).
 * A version of a security suite (`bookworm-security`) is marked as a security update, with its
 * source package and version (securitySuiteMarkOf).
 */
export class DebianPackageSource implements Source<DebianPackageConfig> {
  readonly kind = 'debian_package';

  constructor(private readonly deps: SourceDeps) {}

  parseConfig(raw: unknown): DebianPackageConfig {
    return parseDebianPackageConfig(raw);
  }

  async poll(config: DebianPackageConfig, state: SourceState, signal: AbortSignal): Promise<PollResult> {
    signal.throwIfAborted();
    const opts = {
      baseUrl: config.repository,
      suite: config.suite,
      keyringPath: config.keyring,
      ...(this.deps.git?.timeoutMs ? { timeoutMs: this.deps.git.timeoutMs } : {}),
    };
    const signed = await fetchRelease(opts);
    const date = String(signed.release.date);
    if (state[RELEASE_DATE] === date) return { observations: [], rejected: [], state, notModified: 1 };
    signal.throwIfAborted();
    const packages = await fetchPackages(opts, signed, config.component, config.architecture);
    const newest = newestPackage(buildPackageIndex(packages.packages), config.package, config.architecture);
    const out = new OutcomeCollector();
    if (newest)
      out.add(
        withSecuritySuiteMark(
          observe(config.purl, config.track, { tag: newest.Version }),
          securitySuiteMarkOf(config.suite, newest),
        ),
      );
    return { observations: out.observations, rejected: out.rejected, state: { [RELEASE_DATE]: date }, notModified: 0 };
  }
}

/** The registry entry. */
export const debianPackageSource = (deps: SourceDeps): DebianPackageSource => new DebianPackageSource(deps);
