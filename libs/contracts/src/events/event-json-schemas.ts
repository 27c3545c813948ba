import { z } from 'zod';
import { CloudEventEnvelopeSchema } from './cloud-event.schema';
import { EVENT_DATA_SCHEMAS } from './event-catalog';
import { dataSchemaUri, EVENT_NAMES, eventType, type EventName } from './event-types';

/** One event's published JSON Schemas (draft 2020-12) and what names them. */
export interface EventJsonSchema {
  name: EventName;
  type: string;
  dataschema: string;
  /** The data's schema; its `$id` is the event's `dataschema`. */
  schema: Record<string, unknown>;
  /** The whole CloudEvent (JSON format) with this type, dataschema and data: what a receiver gets as the body. */
  envelope: Record<string, unknown>;
}

/**
 * The JSON Schemas of every event, as published with the OpenAPI document (a webhook's request
 * body is the envelope). Made for input (`io: 'input'`): no `additionalProperties: false`, since
 * a consumer of v1 must accept fields added later to v1.
 */
export function eventJsonSchemas(): EventJsonSchema[] {
  return EVENT_NAMES.map((name) => {
    const type = eventType(name);
    const dataschema = dataSchemaUri(name);
    const data = jsonSchema(EVENT_DATA_SCHEMAS[name]);
    const envelope = jsonSchema(
      CloudEventEnvelopeSchema.extend({
        type: z.literal(type),
        dataschema: z.literal(dataschema),
        data: EVENT_DATA_SCHEMAS[name],
      }),
    );
    return {
      name,
      type,
      dataschema,
      schema: { ...data, $id: dataschema, title: `${type} data` },
      envelope: { ...envelope, title: `${type} (CloudEvents 1.0, JSON)` },
    };
  });
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
