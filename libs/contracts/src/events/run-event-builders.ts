import { TerminalError } from '../errors';
import type { PipelineRun } from '../pipeline-run.schema';
import type { CloudEventOf } from './cloud-event.schema';
import { EventErrorCode } from './events-errors';
import { buildCloudEvent, eventReason } from './cloud-event';
import type { PrMergedData, PrOpenedData, SubscriptionDisabledData } from './event-data.schema';

/**
 * The `pipeline.failed` event of a run that failed for good (what `run.failed` reports): its
 * stage, code and reason (one bounded line), and the pull request its review stage opened, if
 * any (`pr.url`, `pr.number`). The id is made from the run id: one event per failed run. The
 * subject is the image name when the caller knows it, else the definition path.
 */
export function pipelineFailedEvent(
  run: PipelineRun,
  context: { source: string; image?: string },
): CloudEventOf<'pipeline.failed'> {
  if (run.state !== 'failed' || !run.error)
    throw new TerminalError(
      EventErrorCode.eventInvalid,
      `run ${run.id} has not failed (state ${run.state}): no pipeline.failed event`,
    );
  const review = run.stages.find((s) => s.stage === 'review')?.artifacts ?? {};
  const url = review['pr.url'];
  const number = Number(review['pr.number']);
  return buildCloudEvent(
    'pipeline.failed',
    {
      fact: run.id,
      source: context.source,
      subject: context.image ?? run.definition,
      at: run.finishedAt ?? run.updatedAt,
    },
    {
      runId: run.id,
      definition: run.definition,
      ...(run.error.stage ? { stage: run.error.stage } : {}),
      code: run.error.code,
      reason: eventReason(run.error.message),
      ...(url ? { pullRequest: { url, ...(Number.isSafeInteger(number) && number > 0 ? { number } : {}) } } : {}),
      ...(context.image ? { image: context.image } : {}),
    },
  );
}

/** `pr.opened` (id from the pull request's URL: one per pull request). Subject: the image, else `owner/name#N`. */
export function prOpenedEvent(data: PrOpenedData, context: { source: string; at: number }): CloudEventOf<'pr.opened'> {
  return buildCloudEvent(
    'pr.opened',
    {
      fact: data.url,
      source: context.source,
      subject: data.image ?? `${data.repository}#${data.number}`,
      at: context.at,
    },
    data,
  );
}

/** `pr.merged` (id from the pull request's URL: one per pull request). Subject: the image, else `owner/name#N`. */
export function prMergedEvent(data: PrMergedData, context: { source: string; at: number }): CloudEventOf<'pr.merged'> {
  return buildCloudEvent(
    'pr.merged',
    {
      fact: data.url,
      source: context.source,
      subject: data.image ?? `${data.repository}#${data.number}`,
      at: context.at,
    },
    data,
  );
}

/**
 * `subscription.disabled` (id from the subscription and the time it was disabled: one per
 * disabling). The subject is the subscription id; the reason is one bounded line.
 */
export function subscriptionDisabledEvent(
  data: SubscriptionDisabledData,
  context: { source: string },
): CloudEventOf<'subscription.disabled'> {
  const at = Date.parse(data.since);
  return buildCloudEvent(
    'subscription.disabled',
    {
      fact: `${data.subscription}\n${data.since}`,
      source: context.source,
      subject: data.subscription,
      at: Number.isNaN(at) ? -1 : at,
    },
    { ...data, reason: eventReason(data.reason) },
  );
}
