import type { z } from 'zod';
import type { CatalogFileKind } from './catalog-path';
import type { DefinitionError } from './definitions-errors';
import { DefinitionSchema, type Definition } from './definition.schema';
import { InfoSchema, type Info } from './info.schema';
import { parseLimits, type ParseLimits } from './parse-limits';
import { parseCatalogYaml } from './parse-yaml';
import { definitionPathIssues } from './path-safety';
import { validateSource } from './validate-source';
import type { YamlSource } from './yaml-source';

/** A valid file (its typed value and its YAML source), or every reason it is not. */
export type ParsedFile<T> = { ok: true; value: T; source: YamlSource } | { ok: false; errors: DefinitionError[] };

/** The schema each kind of catalog file is validated with. */
export const CATALOG_SCHEMAS = { definition: DefinitionSchema, info: InfoSchema } as const;

/**
 * Parses and validates one catalog file with a schema: YAML problems first (a file that is
 * not well-formed is not validated), then schema problems, each with file, line and column.
 * @param input the file's bytes or text
 * @param file the name to put in messages (e.g. `image/nginx/debian-13/stable.yaml`)
 */
export function parseWithSchema<S extends z.ZodType>(
  schema: S,
  input: string | Uint8Array,
  file: string,
  limits: Partial<ParseLimits> = {},
): ParsedFile<z.output<S>> {
  const parsed = parseCatalogYaml(input, file, limits);
  if (!parsed.ok) return parsed;
  const valid = validateSource(parsed.source, schema, parseLimits(limits).maxErrors);
  return valid.ok ? { ok: true, value: valid.value, source: parsed.source } : valid;
}

/**
 * Parses and validates an image definition (`image/<name>/<os>/<stream>.yaml`): the format's
 * schema, then the factory's own path-safety checks (definitionPathIssues).
 */
export function parseDefinition(
  input: string | Uint8Array,
  file: string,
  limits?: Partial<ParseLimits>,
): ParsedFile<Definition> {
  const parsed = parseWithSchema(DefinitionSchema, input, file, limits);
  if (!parsed.ok) return parsed;
  const unsafe = definitionPathIssues(parsed.value, parsed.source, file);
  return unsafe.length ? { ok: false, errors: unsafe } : parsed;
}

/** Parses and validates an image's info file (`image/<name>/info.yaml`). */
export function parseInfo(input: string | Uint8Array, file: string, limits?: Partial<ParseLimits>): ParsedFile<Info> {
  return parseWithSchema(InfoSchema, input, file, limits);
}

/** Parses and validates a catalog file of the given kind. */
export function parseCatalogFile(
  kind: CatalogFileKind,
  input: string | Uint8Array,
  file: string,
  limits?: Partial<ParseLimits>,
): ParsedFile<Definition | Info> {
  return kind === 'definition' ? parseDefinition(input, file, limits) : parseInfo(input, file, limits);
}
