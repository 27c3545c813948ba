import { shown } from '../builder-errors';
import { SandboxErrorCode, sandboxTerminal } from './sandbox-errors';

/**
 * `${name}` (a shell-style name) or `${a.b-c}` (dotted: never valid shell). Shell forms with
 * operators (`${x:-y}`, `${#x}`, `${x-y}`) do not match and stay as they are.
 */
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\}/g;

/**
 * Replaces each `${name}` whose name is in `vars` by its value. A dotted name not in `vars`
 * (`${package.version}`) is `build-var-unknown`; any other name (`${PATH}`, `${HOME}`) is left
 * for the shell. `what` names the text in messages (`contents.builds[0].pipeline[1].runs`).
 */
export function substituteVars(text: string, vars: Readonly<Record<string, string>>, what: string): string {
  return text.replace(VARIABLE, (whole, name: string) => {
    if (Object.hasOwn(vars, name)) return vars[name] ?? '';
    if (!name.includes('.')) return whole;
    const known = Object.keys(vars)
      .filter((k) => k.includes('.'))
      .sort();
    const hint =
      known.length === 0
        ? 'no dotted variables are defined here'
        : `known: ${shown(known.slice(0, 20).join(', '), 400)}${known.length > 20 ? ', …' : ''}`;
    throw sandboxTerminal(
      SandboxErrorCode.varUnknown,
      `${what}: variable "\${${shown(name, 80)}}" is unknown (${hint}); fix the name or define it`,
    );
  });
}
