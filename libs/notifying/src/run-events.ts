import { readFile, stat } from 'node:fs/promises';
import {
  fixedSeverities,
  imageEventToCloudEvent,
  prMergedEvent,
  prOpenedEvent,
  type EventSeverity,
  type EvidenceReference,
  type FactoryCloudEvent,
  type ImageEvent,
} from '@patch-factory/contracts';
import { runDirectory, stageArtifact, stageArtifactFile, type RunReadBy } from '@patch-factory/pipeline';

/** A scan report larger than this is not read for severities (each fixed id is then `unknown`). */
const MAX_SCAN_REPORT_BYTES = 64 * 1024 * 1024;

/** The severity of each id the scan report lists as fixed (`diff.fixed`); empty when there is no report or it cannot be read. */
export async function severitiesFromScanReport(path: string | undefined): Promise<Map<string, EventSeverity>> {
  if (!path) return new Map();
  const size = (await stat(path).catch(() => undefined))?.size;
  if (size === undefined || size > MAX_SCAN_REPORT_BYTES) return new Map();
  try {
    const report = JSON.parse(await readFile(path, 'utf8')) as { diff?: { fixed?: unknown } };
    return fixedSeverities(report.diff?.fixed);
  } catch {
    return new Map();
  }
}

const ATTESTATION_KINDS: readonly [RegExp, EvidenceReference['kind']][] = [
  [/slsa\.dev\/provenance/, 'provenance'],
  [/cyclonedx/i, 'sbom-cyclonedx'],
  [/spdx/i, 'sbom-spdx'],
  [/openvex/i, 'vex'],
];

/**
 * Where the evidence published with the image is: the cosign signature (`<repository>:sha256-<hex>.sig`)
 * and the attestations (`.att`: provenance, SBOMs, VEX by predicate type, from `sign.attestations`),
 * which promote copies to the release repository with the image.
 */
export function evidenceReferences(event: ImageEvent, predicateTypes: string | undefined): EvidenceReference[] {
  const tag = `${event.repository}:${event.digest.replace(':', '-')}`;
  const refs: EvidenceReference[] = [{ kind: 'signature', uri: `${tag}.sig` }];
  const types = (predicateTypes ?? '').split(',').filter((t) => t !== '');
  for (const [pattern, kind] of ATTESTATION_KINDS)
    if (types.some((t) => pattern.test(t))) refs.push({ kind, uri: `${tag}.att` });
  return refs;
}

/** `owner/name` of a GitHub pull request URL (`https://github.com/o/r/pull/7`), else the URL's host and path. */
export function repositoryOfPullRequest(url: string): string {
  const parsed = new URL(url);
  const parts = parsed.pathname.split('/').filter((p) => p !== '');
  const pull = parts.indexOf('pull');
  return (pull >= 2 ? parts.slice(pull - 2, pull).join('/') : `${parsed.host}${parsed.pathname}`).slice(0, 200);
}

/**
 * The events a finished run makes (deterministic: the same run gives the same events, ids
 * included): `image.published` or `image.updated` when its promotion moved a tag (the stored
 * image event, with the severities of the ids fixed and the evidence), and `pr.opened` /
 * `pr.merged` when its review opened (and merged) a pull request.
 */
export async function runEvents(
  run: RunReadBy<'notify'>,
  imageEvent: ImageEvent | undefined,
  context: { source: string; outRoot: string },
): Promise<FactoryCloudEvent[]> {
  const events: FactoryCloudEvent[] = [];
  let image: string | undefined;
  if (imageEvent) {
    const severities = await severitiesFromScanReport(
      stageArtifactFile(run, 'scan', 'scan.report', runDirectory(context.outRoot, run.id)),
    );
    const event = imageEventToCloudEvent(imageEvent, {
      source: context.source,
      severityOf: (id) => severities.get(id),
      references: evidenceReferences(imageEvent, stageArtifact(run, 'sign', 'sign.attestations')),
    });
    image = event.subject;
    events.push(event);
  }
  events.push(...pullRequestEvents(run, context.source, image));
  return events;
}

function pullRequestEvents(run: RunReadBy<'notify'>, source: string, image: string | undefined): FactoryCloudEvent[] {
  const review = run.stages.find((s) => s.stage === 'review');
  const url = stageArtifact(run, 'review', 'pr.url');
  const number = Number(stageArtifact(run, 'review', 'pr.number'));
  const patchRequest = stageArtifact(run, 'plan', 'patch.request') ?? stageArtifact(run, 'review', 'patch.request');
  if (!review || !url || !/^https?:\/\//.test(url) || !Number.isSafeInteger(number) || number <= 0) return [];
  const data = {
    repository: repositoryOfPullRequest(url),
    number,
    url,
    patchRequest: (patchRequest ?? run.id).slice(0, 200),
    ...(image ? { image } : {}),
  };
  const opened = prOpenedEvent(data, { source, at: review.startedAt ?? run.createdAt });
  const mergeCommit = stageArtifact(run, 'review', 'pr.merge-commit');
  // The review stage completes only once the pull request is merged (it parks the run until then).
  if (!mergeCommit && review.status !== 'succeeded') return [opened];
  return [
    opened,
    prMergedEvent(
      { ...data, ...(mergeCommit && /^[0-9a-f]{40,64}$/.test(mergeCommit) ? { mergeCommit } : {}) },
      { source, at: review.finishedAt ?? run.updatedAt },
    ),
  ];
}
