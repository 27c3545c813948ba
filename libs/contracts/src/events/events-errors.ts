/** Stable codes of the event builders' failures (rule 5 of DESIGN.md). */
export const EventErrorCode = {
  /** An event's source, time or data breaks its schema (a bug or hostile stored data, never retried). */
  eventInvalid: 'event-invalid',
} as const;
