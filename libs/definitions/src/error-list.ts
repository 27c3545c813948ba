import type { DefinitionError } from './definitions-errors';

/**
 * Errors in file order, each once, at most `max` of them; when there are more, a last entry
 * (at the first one left out) says how many.
 */
export function limitErrors(errors: readonly DefinitionError[], max: number): DefinitionError[] {
  const seen = new Set<string>();
  const unique = errors.filter((e) => {
    const key = `${e.line}:${e.column}:${e.path}:${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  unique.sort((a, b) => a.line - b.line || a.column - b.column);
  const first = unique[max];
  if (first === undefined) return unique;
  const more = unique.length - max;
  return [
    ...unique.slice(0, max),
    { ...first, code: 'too-many-errors', path: '', message: `${more} more error${more === 1 ? '' : 's'} not shown` },
  ];
}
