import type { StageName } from './stage-name';

/**
 * THE artifact keys of a run, by the stage they are recorded on: what carries data from one
 * stage to the next (`build.layout`, `patch.branch`, …). A key is recorded on one stage only
 * (the map decides who writes it, whatever its prefix): `patch.request` on plan, patch and
 * review (a manual run), `pr.number` and `pr.url` on review, `pr.merge-commit` on review by the
 * merge webhook (StageRunner.resume), `superseded.reason` on review and promote by the run
 * store (a superseded run). Every value is a string (the run store keeps strings).
 *
 * StageResult.artifacts and the stageArtifact* readers (libs/pipeline) are typed by it, and
 * docs/pipeline.md's artifact columns are checked against it (libs/pipeline/src/stage-artifacts.spec.ts).
 */
export const STAGE_ARTIFACTS = {
  plan: ['patch.request', 'patch.stream', 'patch.changes'],
  patch: ['patch.branch', 'patch.base', 'patch.status', 'patch.head', 'patch.request'],
  build: ['build.digest', 'build.layout', 'build.log', 'build.packages', 'build.commit'],
  test: ['test.report', 'test.passed', 'test.failed', 'test.skipped'],
  scan: [
    'scan.report',
    'scan.sbom.cyclonedx',
    'scan.sbom.spdx',
    'scan.vex',
    'scan.vex.absent',
    'scan.findings',
    'scan.fixable',
    'scan.critical',
    'scan.high',
    'scan.suppressed',
    'scan.new',
    'scan.fixed',
    'scan.withdrawn',
    'scan.advisories.stored',
  ],
  sign: ['sign.artifacts', 'sign.key', 'sign.reference', 'sign.attestations'],
  publish: ['publish.repository', 'publish.reference', 'publish.digest', 'publish.blobs', 'publish.evidence'],
  review: [
    'review.provider',
    'review.merge',
    'review.outcome',
    'review.superseded-by',
    'pr.number',
    'pr.url',
    'pr.merge-commit',
    'patch.request',
    'superseded.reason',
  ],
  promote: [
    'promote.repository',
    'promote.digest',
    'promote.copied',
    'promote.copied-blobs',
    'promote.copied-referrers',
    'promote.tags',
    'promote.event',
    'promote.superseded-by',
    'superseded.reason',
  ],
  notify: ['notify.events', 'notify.event-ids'],
} as const satisfies Record<Exclude<StageName, 'watch'>, readonly string[]>;

/** A stage that records artifacts on a run (every stage of a run: all but `watch`). */
export type ArtifactStage = keyof typeof STAGE_ARTIFACTS;

/** The artifact keys recorded on stage `S`. */
export type ArtifactKey<S extends ArtifactStage> = (typeof STAGE_ARTIFACTS)[S][number];

/** The typed map from stage to its artifacts: `StageArtifacts['build']['build.layout']` is a string. */
export type StageArtifacts = { [S in ArtifactStage]: { [K in ArtifactKey<S>]: string } };
