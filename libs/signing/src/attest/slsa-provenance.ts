import { shownValue } from '@patch-factory/contracts';
import { signingError, SigningErrorCode } from '../signing-errors';
import type { ResolvedBuildPackage, ResolvedPackage } from './packages-json';
import { DEBIAN_ROOTFS_BUILD_TYPE } from './predicate-types';

/** An SLSA / in-toto ResourceDescriptor. */
export interface ResourceDescriptor {
  uri?: string;
  name?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, unknown>;
}

/** The SLSA provenance v1 predicate (https://slsa.dev/spec/v1.0/provenance). */
export interface SlsaProvenance {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters?: Record<string, unknown>;
    resolvedDependencies: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string; version?: Record<string, string> };
    metadata: { invocationId: string; startedOn: string; finishedOn: string };
  };
}

/** What a build's provenance is made of. */
export interface ProvenanceInput {
  /** Defaults to {@link DEBIAN_ROOTFS_BUILD_TYPE}. */
  buildType?: string;
  /** URI of the builder (the factory instance), e.g. `https://patch-factory.example/builder`. */
  builderId: string;
  builderVersion?: Record<string, string>;
  definition: {
    /** Path of the definition file in the catalog (`image/redis/debian-12/7.0.yaml`). */
    path: string;
    /** The catalog repository URL. */
    repository: string;
    /** The branch or tag built, when there is one. */
    ref?: string;
    /** Full git commit (40 or 64 hex) the definition was read at. */
    commit: string;
  };
  platforms: string[];
  /** SOURCE_DATE_EPOCH used for timestamps in the image (seconds). */
  sourceDateEpoch?: number;
  /** Further internal parameters (the build's inputKey…). */
  internalParameters?: Record<string, unknown>;
  /** Every resolved package (from packages.json, see resolvedPackages()). */
  packages: readonly ResolvedPackage[];
  /** Every package fetched for a `contents.builds[]` build root (see resolvedBuildPackages()): build-time, not in the image. */
  buildPackages?: readonly ResolvedBuildPackage[];
  /** The pipeline run id. */
  runId: string;
  startedOn: Date | string;
  finishedOn: Date | string;
}

/** `annotations.dependencyType` of a package fetched for a `contents.builds[]` build root (build-time, not in the image). */
export const BUILD_ROOT_DEPENDENCY = 'build-root';

const COMMIT_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function isoTime(value: Date | string, what: string): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime()))
    throw signingError(SigningErrorCode.inputInvalid, 'provenance', `${what} ${shownValue(value)} is not a time`);
  return d.toISOString();
}

/** The SLSA provenance v1 predicate of one build. */
export function slsaProvenance(input: ProvenanceInput): SlsaProvenance {
  const where = 'provenance';
  const { definition } = input;
  if (!COMMIT_RE.test(definition.commit))
    throw signingError(
      SigningErrorCode.inputInvalid,
      where,
      `definition commit ${shownValue(definition.commit)} is not a full git commit id`,
    );
  if (!definition.path || !definition.repository)
    throw signingError(SigningErrorCode.inputInvalid, where, 'the definition path and repository are required');
  if (!input.builderId) throw signingError(SigningErrorCode.inputInvalid, where, 'builderId is required');
  if (
    input.sourceDateEpoch !== undefined &&
    (!Number.isSafeInteger(input.sourceDateEpoch) || input.sourceDateEpoch < 0)
  ) {
    throw signingError(
      SigningErrorCode.inputInvalid,
      where,
      `sourceDateEpoch ${shownValue(input.sourceDateEpoch)} is not a count of seconds`,
    );
  }
  const repoUri = definition.repository.startsWith('git+') ? definition.repository : `git+${definition.repository}`;
  const definitionDep: ResourceDescriptor = {
    uri: `${repoUri}${definition.ref ? `@${definition.ref}` : ''}`,
    name: definition.path,
    digest: { gitCommit: definition.commit },
  };
  const packageDeps: ResourceDescriptor[] = input.packages.map((p) => ({
    uri: p.url,
    name: `${p.name}_${p.version}_${p.architecture}`,
    digest: { sha256: p.sha256 },
    annotations: { platforms: [...p.platforms] },
  }));
  // Marked apart from the image's packages: they went into the build, not into the image.
  const buildDeps: ResourceDescriptor[] = (input.buildPackages ?? []).map((p) => ({
    uri: p.url,
    name: `${p.name}_${p.version}_${p.architecture}`,
    digest: { sha256: p.sha256 },
    annotations: { platforms: [...p.platforms], dependencyType: BUILD_ROOT_DEPENDENCY, buildRoots: [...p.buildRoots] },
  }));
  return {
    buildDefinition: {
      buildType: input.buildType ?? DEBIAN_ROOTFS_BUILD_TYPE,
      externalParameters: {
        definition: {
          path: definition.path,
          repository: definition.repository,
          ...(definition.ref ? { ref: definition.ref } : {}),
          commit: definition.commit,
        },
        platforms: [...input.platforms],
      },
      internalParameters: {
        ...(input.sourceDateEpoch !== undefined ? { SOURCE_DATE_EPOCH: input.sourceDateEpoch } : {}),
        ...(input.internalParameters ?? {}),
      },
      resolvedDependencies: [definitionDep, ...packageDeps, ...buildDeps],
    },
    runDetails: {
      builder: { id: input.builderId, ...(input.builderVersion ? { version: input.builderVersion } : {}) },
      metadata: {
        invocationId: input.runId,
        startedOn: isoTime(input.startedOn, 'startedOn'),
        finishedOn: isoTime(input.finishedOn, 'finishedOn'),
      },
    },
  };
}
