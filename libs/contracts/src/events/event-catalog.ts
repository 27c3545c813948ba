import type { z } from 'zod';
import {
  ImagePublishedDataSchema,
  ImageUpdatedDataSchema,
  PipelineFailedDataSchema,
  PrMergedDataSchema,
  PrOpenedDataSchema,
  SubscriptionDisabledDataSchema,
} from './event-data.schema';
import type { EventName } from './event-types';

/** THE schema of each event's data (its current version). */
export const EVENT_DATA_SCHEMAS = {
  'image.published': ImagePublishedDataSchema,
  'image.updated': ImageUpdatedDataSchema,
  'pipeline.failed': PipelineFailedDataSchema,
  'pr.opened': PrOpenedDataSchema,
  'pr.merged': PrMergedDataSchema,
  'subscription.disabled': SubscriptionDisabledDataSchema,
} as const satisfies Record<EventName, z.ZodType>;

/** The data of event `N`. */
export type EventData<N extends EventName> = z.infer<(typeof EVENT_DATA_SCHEMAS)[N]>;
