import { CORE_SCHEMA, YAMLException, load } from 'js-yaml';

/** The largest text loadYamlData reads (bytes of UTF-16 are close enough for a cap). */
export const MAX_YAML_DATA_CHARS = 1 << 20;

/** Where a YAML text failed to load: 1-based line and column, and why. */
export class YamlDataError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'YamlDataError';
  }
}

/**
 * Loads YAML as plain data, fast (js-yaml, ten times the speed of the positional parser on
 * the catalog): for indexing and planning, where no error position inside a valid file is
 * needed. The core schema only (no timestamps, binary or custom tags), duplicate keys refused,
 * one document, a size cap. Aliases are kept as shared references (no expansion), so readers
 * must not walk a shared node twice (definitionDeps does not).
 */
export function loadYamlData(text: string): unknown {
  if (text.length > MAX_YAML_DATA_CHARS) throw new YamlDataError(1, 1, `larger than ${MAX_YAML_DATA_CHARS} characters`);
  try {
    return load(text, { schema: CORE_SCHEMA, json: false });
  } catch (error) {
    if (error instanceof YAMLException)
      throw new YamlDataError(error.mark.line + 1, error.mark.column + 1, error.reason);
    throw error;
  }
}
