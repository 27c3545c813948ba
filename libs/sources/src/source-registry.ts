import { TerminalError } from '@patch-factory/contracts';
import { debianPackageSource } from './debian-package/debian-package.source';
import { alpinePackageSource } from './alpine-package/alpine-package.source';
import { gitTagsSource } from './git-tags/git-tags.source';
import { githubReleaseSource } from './github-release/github-release.source';
import { githubRepositorySource } from './github-repository/github-repository.source';
import { githubTagSource } from './github-tag/github-tag.source';
import { ociArtifactSource } from './oci-artifact/oci-artifact.source';
import type { Source, SourceDeps, SourceFactory } from './source';
import { SourceErrorCode } from './sources-errors';

/** Every source by the track `type` it serves: adding one is a folder and a line here. */
export const SOURCES = {
  github_release: githubReleaseSource,
  github_tag: githubTagSource,
  github_repository: githubRepositorySource,
  git_tags: gitTagsSource,
  oci_artifact: ociArtifactSource,
  alpine_package: alpinePackageSource,
  debian_package: debianPackageSource,
} as const satisfies Record<string, SourceFactory>;

export type SourceKind = keyof typeof SOURCES;

/** True when `kind` names a registered source. */
export function isSourceKind(kind: unknown): kind is SourceKind {
  return typeof kind === 'string' && Object.hasOwn(SOURCES, kind);
}

/** The source serving track type `kind`; throws TerminalError(source-unknown-kind) for any other. */
export function createSource(kind: string, deps: SourceDeps = {}): Source<unknown> {
  if (!isSourceKind(kind)) {
    throw new TerminalError(
      SourceErrorCode.unknownKind,
      `no source serves the track type ${JSON.stringify(String(kind).slice(0, 40))}: expected one of ${Object.keys(SOURCES).join(', ')}`,
    );
  }
  return SOURCES[kind](deps) as Source<unknown>;
}
