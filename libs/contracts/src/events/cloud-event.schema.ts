import { z } from 'zod';
import type { EventData } from './event-catalog';
import type { EventName, EventTypeOf } from './event-types';

/**
 * A URI-reference naming the factory instance that sent an event (CloudEvents `source`):
 * `/patch-factory/prod`, `urn:patch-factory:prod`, `https://factory.example.org`. No spaces or
 * control characters, at most 500 characters.
 */
export const EventSourceSchema = z
  .string()
  .min(1, 'the event source is empty')
  .max(500, 'the event source is longer than 500 characters')
  .regex(/^[\x21-\x7e]+$/, 'the event source must be a URI-reference: printable ASCII, no spaces');

/** The CloudEvents 1.0 envelope (JSON format) of every event the factory sends. */
export const CloudEventEnvelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(200),
  source: EventSourceSchema,
  type: z.string().regex(/^dev\.patch-factory\.[a-z]+(?:\.[a-z-]+)+$/, 'expected a dev.patch-factory.* type'),
  /** RFC 3339, UTC. */
  time: z.iso.datetime({ offset: true }),
  /** The image name (`examples/redis`), or what else the event is about (see each builder). */
  subject: z.string().min(1).max(600),
  datacontenttype: z.literal('application/json'),
  dataschema: z.string().regex(/^urn:patch-factory:events:[a-z.-]+:v[1-9][0-9]*$/),
  data: z.unknown(),
});

/** The envelope with the data of event `N`. */
export type CloudEventOf<N extends EventName> = Omit<z.infer<typeof CloudEventEnvelopeSchema>, 'type' | 'data'> & {
  type: EventTypeOf<N>;
  data: EventData<N>;
};

/** Any of the factory's events. */
export type FactoryCloudEvent = { [N in EventName]: CloudEventOf<N> }[EventName];
