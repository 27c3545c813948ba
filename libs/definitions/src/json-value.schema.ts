import { z } from 'zod';

/**
 * The JSON Schema building blocks spec.json and info.spec.json use, as zod schemas with the
 * same verdicts as a JSON Schema validator (ajv) on JSON data.
 */

/**
 * `"type": "integer"`: a finite number without a fractional part. As in JSON Schema (and
 * unlike `z.int()`), integers beyond 2^53 count too; the YAML parser already refuses integer
 * literals that large, because they do not survive as exact numbers.
 */
export const JsonIntegerSchema = z.custom<number>((v) => typeof v === 'number' && Number.isInteger(v), {
  params: { expected: 'integer' },
});

/** `"type": "object"` with nothing else: any mapping (not a sequence, not null). */
export const AnyMappingSchema = z.record(z.string(), z.unknown());

/** `"type": "array", "items": {"type": "string"}`. */
export const StringListSchema = z.array(z.string());

/** `"type": "object", "additionalProperties": {"type": "string"}`: a mapping of strings to strings. */
export const StringMapSchema = z.record(z.string(), z.string());

/** The platforms an image or a file can be for (default: both). */
export const PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;

/** `platforms:` — a list of {@link PLATFORMS}. */
export const PlatformListSchema = z.array(z.enum(PLATFORMS));
