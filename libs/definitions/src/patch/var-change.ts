import { TerminalError, type VarChange } from '@patch-factory/contracts';
import { PatchErrorCode } from '../definitions-errors';

const NAME = /^[A-Z][A-Z0-9_]{0,127}$/;
/**
 * What a variable value may hold: versions, image references with digests, commit hashes,
 * URLs. ASCII only (no look-alike unicode), no white space, no shell or YAML syntax
 * (`;`, `$`, `` ` ``, quotes, `#`, `{`), no leading `-`/`.`/`/`, no `..` segment.
 */
const VALUE = /^[A-Za-z0-9][A-Za-z0-9._+~:@/=%-]{0,255}$/;

/**
 * Checks a change before anything is edited: a hostile name or value (`../x`,
 * `a;rm -rf /`, `$(x)`, a newline, 300 characters, look-alike unicode) is refused with
 * a TerminalError that names the variable and what is wrong. Returns the change.
 */
export function checkVarChange(change: VarChange, where: string): VarChange {
  if (!NAME.test(change.name)) {
    throw new TerminalError(
      PatchErrorCode.invalidVarName,
      `${where}: variable name ${describe(change.name)} is not UPPER_SNAKE_CASE ASCII of at most 128 characters`,
    );
  }
  for (const side of ['old', 'new'] as const) {
    const value = change[side];
    const problem = valueProblem(value);
    if (problem)
      throw new TerminalError(
        PatchErrorCode.invalidVarValue,
        `${where}: ${change.name} ${side} value ${describe(value)} ${problem}`,
      );
  }
  return change;
}

function valueProblem(value: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'is empty';
  if (value.length > 256) return `is ${value.length} characters long; at most 256`;
  if (/[^\x20-\x7e]/.test(value)) return 'holds a control or non-ASCII character';
  if (/(^|\/)\.\.(\/|$)/.test(value)) return 'holds a ".." path segment';
  if (!VALUE.test(value))
    return 'holds a character outside letters, digits and . _ + ~ : @ / = % - (or starts with one)';
  return undefined;
}

function describe(value: unknown): string {
  const text = JSON.stringify(String(value));
  return text.length > 80 ? `${text.slice(0, 77)}…"` : text;
}
