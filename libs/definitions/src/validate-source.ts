import type { z } from 'zod';
import type { DefinitionError } from './definitions-errors';
import { limitErrors } from './error-list';
import { describeIssues } from './issue-messages';
import { formatKeyPath } from './key-path';
import { offsetOf } from './locate-node';
import { DEFAULT_PARSE_LIMITS } from './parse-limits';
import type { YamlSource } from './yaml-source';

/** A valid value, or every reason the schema refused it. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: DefinitionError[] };

/**
 * Validates a parsed file with a schema. Each problem is placed at the YAML node it is about
 * (an unknown key at the key, a missing key at the mapping that lacks it), with its key path
 * and what was expected; at most `maxErrors` are listed.
 */
export function validateSource<S extends z.ZodType>(
  source: YamlSource,
  schema: S,
  maxErrors = DEFAULT_PARSE_LIMITS.maxErrors,
): ValidationResult<z.output<S>> {
  const result = schema.safeParse(source.value);
  if (result.success) return { ok: true, value: result.data };
  const empty = source.document.contents === null;
  const errors = describeIssues(result.error.issues, source.value, schema).map((problem): DefinitionError => {
    const { line, col } = source.lineCounter.linePos(offsetOf(source, problem.path, problem.atKey));
    const path = formatKeyPath(problem.path);
    const message = empty && !path ? 'the file is empty: expected a mapping' : problem.message;
    return { code: 'schema', file: source.file, line, column: col, path, message };
  });
  return { ok: false, errors: limitErrors(errors, maxErrors) };
}
