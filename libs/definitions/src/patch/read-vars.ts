import { isRecord, TerminalError } from '@patch-factory/contracts';
import { loadYamlData, YamlDataError } from '../catalog/load-yaml-data';
import { DefinitionErrorCode } from '../definitions-errors';

/**
 * The top-level `vars:` of a definition's text (name → value as text). Refuses YAML that
 * does not load (syntax, duplicate keys, over the size cap), with the file, line and column.
 */
export function readVars(text: string, file: string): Map<string, string> {
  let doc: unknown;
  try {
    doc = loadYamlData(text);
  } catch (error) {
    const at = error instanceof YamlDataError ? `${error.line}:${error.column}` : '1:1';
    throw new TerminalError(
      DefinitionErrorCode.invalidYaml,
      `${file}:${at}: ${(error as Error).message.split('\n')[0] ?? 'invalid YAML'}`,
    );
  }
  const vars = new Map<string, string>();
  const node = isRecord(doc) ? doc['vars'] : undefined;
  if (!isRecord(node)) return vars;
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      vars.set(key, String(value));
  }
  return vars;
}
