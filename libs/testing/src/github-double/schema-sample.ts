import type { JsonSchema } from './openapi-description';

const STRINGS: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  uri: 'https://github.example.invalid/',
  'uri-template': 'https://github.example.invalid/{id}',
  email: 'octocat@example.invalid',
  'repo.nwo': 'octo/catalog',
};

/**
 * The smallest value that satisfies `schema`: every required property, first enum value,
 * first alternative of oneOf/anyOf, null where nullable is allowed and nothing else fits.
 * The double fills its responses' mandatory fields with it, then sets the fields it models.
 */
export function sampleFor(schema: JsonSchema | undefined, depth = 0): unknown {
  if (!schema || depth > 12) return null;
  const one = (schema['oneOf'] ?? schema['anyOf']) as JsonSchema[] | undefined;
  if (one?.[0]) return sampleFor(one[0], depth + 1);
  const all = schema['allOf'] as JsonSchema[] | undefined;
  if (all) return Object.assign({}, ...all.map((s) => sampleFor(s, depth + 1) as object));
  const enumValues = schema['enum'] as unknown[] | undefined;
  if (enumValues && enumValues.length > 0) return enumValues.find((v) => v !== null) ?? enumValues[0];
  const type = Array.isArray(schema['type'])
    ? (schema['type'] as string[]).find((t) => t !== 'null')
    : (schema['type'] as string | undefined);
  switch (type) {
    case 'object': {
      const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
      const out: Record<string, unknown> = {};
      for (const key of (schema['required'] ?? []) as string[]) out[key] = sampleFor(props[key], depth + 1);
      return out;
    }
    case 'array': {
      const min = (schema['minItems'] as number | undefined) ?? 0;
      return Array.from({ length: min }, () => sampleFor(schema['items'] as JsonSchema, depth + 1));
    }
    case 'string':
      return STRINGS[String(schema['format'])] ?? (typeof schema['pattern'] === 'string' ? '' : 'x');
    case 'integer':
    case 'number':
      return (schema['minimum'] as number | undefined) ?? 1;
    case 'boolean':
      return false;
    default:
      return schema['nullable'] ? null : {};
  }
}
