import { TerminalError } from '../errors';
import { shown } from '../hostile-text';
import { EventSourceSchema, type CloudEventOf } from './cloud-event.schema';
import { EVENT_DATA_SCHEMAS, type EventData } from './event-catalog';
import { eventId } from './event-id';
import { EventErrorCode } from './events-errors';
import { dataSchemaUri, eventType, type EventName } from './event-types';

/** What every event is built from besides its data. */
export interface EventOrigin {
  /** The source fact the id is made from (see eventId). */
  fact: string;
  /** The factory instance (CloudEvents `source`). */
  source: string;
  subject: string;
  /** Epoch ms of the fact. */
  at: number;
}

/** The CloudEvents 1.0 event `name` with `data`, checked against its schema; the id is deterministic from `origin.fact`. */
export function buildCloudEvent<N extends EventName>(
  name: N,
  origin: EventOrigin,
  data: EventData<N>,
): CloudEventOf<N> {
  const source = EventSourceSchema.safeParse(origin.source);
  if (!source.success) throw invalid(name, 'source', source.error.issues[0]?.message ?? 'invalid');
  if (!Number.isSafeInteger(origin.at) || origin.at < 0)
    throw invalid(name, 'time', `${origin.at} is not an epoch time in ms`);
  const parsed = EVENT_DATA_SCHEMAS[name].safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(name, ['data', ...(issue?.path ?? [])].join('.'), issue?.message ?? 'invalid');
  }
  return {
    specversion: '1.0',
    id: eventId(name, origin.fact),
    source: source.data,
    type: eventType(name),
    time: new Date(origin.at).toISOString(),
    subject: origin.subject,
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(name),
    data: parsed.data as EventData<N>,
  };
}

/** A reason for a person, from hostile text: one line, control and bidi characters replaced, at most 1000 characters (then `…`). */
export function eventReason(text: string): string {
  return shown(text.replace(/\s+/g, ' ').trim(), 1000);
}

function invalid(name: EventName, where: string, message: string): TerminalError {
  return new TerminalError(EventErrorCode.eventInvalid, `event ${name}, ${where}: ${shown(message, 200)}`);
}
