/** Test helper (not a test, not built): the real catalog beside the checkout, and ajv on its schemas. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { repoRoot } from '@patch-factory/testing';
import { INFO_KEYS_THE_CATALOG_OMITS } from './info-metadata.schema';

/** ../shared/corpus/dhi-catalog, relative to the repository root. */
export const CATALOG_DIR = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog');

/** A JSON schema of the catalog, as published (`spec.json`, `info.spec.json`). */
export function readSpec(name: 'spec.json' | 'info.spec.json'): Record<string, unknown> {
  return JSON.parse(readFileSync(join(CATALOG_DIR, name), 'utf8')) as Record<string, unknown>;
}

/**
 * info.spec.json with the one change the project's InfoSchema makes: the metadata keys no
 * catalog file has are not required.
 */
export function relaxedInfoSpec(): Record<string, unknown> {
  const spec = readSpec('info.spec.json');
  const metadata = (spec['properties'] as Record<string, Record<string, unknown>>)['metadata'] as {
    required: string[];
  };
  metadata.required = metadata.required.filter((k) => !(INFO_KEYS_THE_CATALOG_OMITS as readonly string[]).includes(k));
  return spec;
}

/** ajv (draft 2020-12, its defaults: strict schema, no coercion, no defaults) on a schema. */
export function ajvFor(schema: Record<string, unknown>): ValidateFunction {
  return new Ajv2020({ allErrors: true }).compile(schema);
}
