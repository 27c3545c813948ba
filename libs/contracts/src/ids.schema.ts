import { z } from 'zod';

/** A run id: `run_` and a 26-character Crockford base32 ULID (time-sortable). */
export const RunIdSchema = z
  .string()
  .regex(/^run_[0-9A-HJKMNP-TV-Z]{26}$/, 'expected a run id like run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9');
export type RunId = z.infer<typeof RunIdSchema>;

/**
 * A definition file path inside the catalog, relative to its root
 * (`image/<name>/<os>/<stream>.yaml`). Hostile input is refused: absolute paths,
 * `..` or `.` segments, empty segments, backslashes, control or non-ASCII characters.
 */
export const DefinitionPathSchema = z
  .string()
  .min(1, 'the definition path is empty')
  .max(512, 'the definition path is longer than 512 characters')
  .regex(
    /^[A-Za-z0-9._+@-]+(\/[A-Za-z0-9._+@-]+)*$/,
    'the definition path must be relative, with segments of letters, digits and . _ + @ - only',
  )
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), {
    message: 'the definition path must not contain "." or ".." segments',
  })
  .refine((p) => /\.ya?ml$/.test(p), { message: 'the definition path must name a .yaml or .yml file' });

/** A stable, machine-readable error code: kebab-case. */
export const ErrorCodeSchema = z.string().regex(/^[a-z][a-z0-9-]{1,63}$/, 'expected a kebab-case error code');

/** W3C trace context carried inside job data so that every stage joins the run's trace. */
export const TraceCarrierSchema = z
  .object({
    traceparent: z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'expected a W3C traceparent'),
    tracestate: z.string().max(512).optional(),
  })
  .strict();
export type TraceCarrier = z.infer<typeof TraceCarrierSchema>;
