import { isMap, isScalar, parseDocument } from 'yaml';
import { TerminalError } from '@patch-factory/contracts';

export const DefinitionErrorCode = { invalidYaml: 'invalid-definition-yaml' } as const;

/**
 * The top-level `vars:` of a definition's text (name → value as text). Refuses YAML that
 * does not parse, with the file, line and column of the first error.
 */
export function readVars(text: string, file: string): Map<string, string> {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const [line, col] = lineCol(text, first.pos[0]);
    throw new TerminalError(DefinitionErrorCode.invalidYaml, `${file}:${line}:${col}: ${first.message.split('\n')[0] ?? 'invalid YAML'}`);
  }
  const vars = new Map<string, string>();
  const node = doc.get('vars', true);
  if (!isMap(node)) return vars;
  for (const pair of node.items) {
    if (!isScalar(pair.key) || !isScalar(pair.value)) continue;
    const key: unknown = pair.key.value;
    const value: unknown = pair.value.value;
    if (typeof key !== 'string' || !(typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) continue;
    vars.set(key, String(value));
  }
  return vars;
}

function lineCol(text: string, offset: number): [number, number] {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return [line, offset - before.lastIndexOf('\n')];
}
