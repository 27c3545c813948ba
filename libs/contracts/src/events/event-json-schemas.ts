import { z } from 'zod';
import { EVENT_DATA_SCHEMAS } from './event-catalog';
import { dataSchemaUri, EVENT_NAMES, eventType, type EventName } from './event-types';

/** One event's published JSON Schema (draft 2020-12) and what names it. */
export interface EventJsonSchema {
  name: EventName;
  type: string;
  dataschema: string;
  schema: Record<string, unknown>;
}

/**
 * The JSON Schema of every event's data, as published with the OpenAPI document: `$id` is the
 * event's `dataschema` URI. Made for input (`io: 'input'`): no `additionalProperties: false`,
 * since a consumer of v1 must accept fields added later to v1.
 */
export function eventJsonSchemas(): EventJsonSchema[] {
  return EVENT_NAMES.map((name) => {
    const schema = z.toJSONSchema(EVENT_DATA_SCHEMAS[name], { io: 'input', target: 'draft-2020-12' }) as Record<
      string,
      unknown
    >;
    return {
      name,
      type: eventType(name),
      dataschema: dataSchemaUri(name),
      schema: { ...schema, $id: dataSchemaUri(name), title: `${eventType(name)} data` },
    };
  });
}
