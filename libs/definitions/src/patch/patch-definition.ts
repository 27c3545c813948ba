import { planReplacements, applyReplacements, type Replacement } from './replacement-plan';
import { readVars } from './read-vars';
import type { VarChange } from '@patch-factory/contracts';
import { checkVarChange } from './var-change';

export interface PatchedDefinition {
  text: string;
  replacements: Replacement[];
  /** Changes whose variable the file does not hold with the old value (nothing to do there). */
  absent: VarChange[];
}

/**
 * Applies variable changes to one definition's text, format-preserving: only the characters
 * of the replaced values change; comments, quoting, key order and line endings stay. Hostile
 * names and values are refused before anything is touched (checkVarChange), and the result
 * must still parse.
 */
export function patchDefinition(text: string, changes: readonly VarChange[], file: string): PatchedDefinition {
  const checked = changes.map((c, i) => checkVarChange(c, `${file}: change ${i + 1}`));
  const vars = readVars(text, file);
  const absent = checked.filter((c) => vars.get(c.name) !== c.old && !text.includes(c.old));
  const replacements = planReplacements(text, vars, checked);
  const patched = applyReplacements(text, replacements);
  if (patched !== text) readVars(patched, `${file} (patched)`);
  return { text: patched, replacements, absent };
}
