import type { ImageEvent } from '../image-event.schema';
import { TerminalError } from '../errors';
import { shown } from '../hostile-text';
import type { CloudEventOf } from './cloud-event.schema';
import { buildCloudEvent } from './cloud-event';
import { EventErrorCode } from './events-errors';
import type { EvidenceReference, FixedVulnerability } from './event-data.schema';
import { severityRank, type EventSeverity } from './event-types';

/** What the stored image event does not hold: who sends, the severities of the ids fixed, the evidence. */
export interface ImageEventContext {
  /** The factory instance (CloudEvents `source`). */
  source: string;
  /** The severity of a vulnerability id (from the scan report or the advisory store); `unknown` when it gives none. */
  severityOf?: (id: string) => EventSeverity | undefined;
  /** The SBOM, VEX, provenance and signature the promotion published with the image. */
  references?: EvidenceReference[];
}

/**
 * The `image.published` or `image.updated` CloudEvent of one stored image event (what promote
 * appends to the release repository, libs/publishing promote.executor.ts). Pure: the same stored
 * event and context give the same event, id included (made from the image event's id), so a
 * retried notify sends nothing new. The subject is the image name: the repository without its
 * registry host. Fixed vulnerabilities come highest severity first, then by id.
 */
export function imageEventToCloudEvent(
  event: ImageEvent,
  context: ImageEventContext,
): CloudEventOf<'image.published'> | CloudEventOf<'image.updated'> {
  const slash = event.repository.indexOf('/');
  if (slash <= 0)
    throw new TerminalError(
      EventErrorCode.eventInvalid,
      `image event ${shown(event.id)}: repository ${shown(event.repository)} has no registry host and image name`,
    );
  const image = event.repository.slice(slash + 1);
  const origin = { fact: event.id, source: context.source, subject: image, at: event.at };
  const common = {
    image,
    repository: event.repository,
    digest: event.digest,
    definition: event.definition,
    runId: event.runId,
    references: context.references ?? [],
  };
  if (event.type === 'image.published')
    return buildCloudEvent('image.published', origin, {
      ...common,
      tags: event.tags.map((t) => ({ tag: t.tag, digest: t.digest })),
    });
  const cvesFixed: FixedVulnerability[] = [...new Set(event.cvesFixed)]
    .map((id) => ({ id, severity: context.severityOf?.(id) ?? 'unknown' }))
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return buildCloudEvent('image.updated', origin, {
    ...common,
    tags: event.tags.map((t) => ({ tag: t.tag, digest: t.digest, ...(t.previous ? { previous: t.previous } : {}) })),
    cvesFixed,
    ...(cvesFixed[0] ? { highestSeverityFixed: cvesFixed[0].severity } : {}),
  });
}
