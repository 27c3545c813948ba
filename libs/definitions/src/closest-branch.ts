import type { z } from 'zod';

/** One issue as zod reports it. */
export type SchemaIssue = z.core.$ZodIssue;

const isRootTypeIssue = (i: SchemaIssue) =>
  i.path.length === 0 && (i.code === 'invalid_type' || (i.code === 'custom' && i.params?.['expected'] !== undefined));
const isKeyIssue = (key: string) => (i: SchemaIssue) => i.path.length === 1 && i.path[0] === key;

/**
 * Given the issues each branch of a `oneOf`/`anyOf` raised for one value (every branch
 * failed), the issues worth showing a person: those of the branch the value was evidently
 * meant for.
 *
 * 1. Branches that refused the value's type outright (a string where a mapping is expected)
 *    are out; if that leaves none, the answer is "expected X or Y".
 * 2. With a `discriminator` key (e.g. `type`), branches that refused that key are out; if that
 *    leaves none, the answer is about the key alone (missing, or one of the values every
 *    branch allows).
 * 3. Of the remaining branches, the one with the fewest issues (the first on a tie).
 */
export function closestBranch(branches: readonly (readonly SchemaIssue[])[], discriminator?: string): SchemaIssue[] {
  let typed: readonly (readonly SchemaIssue[])[] = branches.filter((issues) => !issues.some(isRootTypeIssue));
  if (typed.length === 0) {
    const expected = unique(branches.flatMap((issues) => issues.filter(isRootTypeIssue).flatMap(expectedOf)));
    if (expected.length)
      return [{ code: 'custom', path: [], message: `expected ${expected.join(' or ')}`, params: { expected } }];
    typed = branches;
  }
  let candidates = typed;
  if (discriminator !== undefined) {
    const onKey = isKeyIssue(discriminator);
    candidates = typed.filter((issues) => !issues.some(onKey));
    if (candidates.length === 0)
      return [
        discriminatorIssue(
          typed.flatMap((issues) => issues.filter(onKey)),
          discriminator,
        ),
      ];
  }
  let best: readonly SchemaIssue[] | undefined;
  for (const issues of candidates) if (best === undefined || issues.length < best.length) best = issues;
  return [...(best ?? [])];
}

function discriminatorIssue(issues: readonly SchemaIssue[], key: string): SchemaIssue {
  if (issues.length > 0 && issues.every((i) => i.code === 'invalid_value')) {
    const values = issues.flatMap((i) => (i.code === 'invalid_value' ? i.values : []));
    return { code: 'invalid_value', path: [key], message: 'unexpected value', values: unique(values) };
  }
  return issues.find((i) => i.code !== 'invalid_value') ?? (issues[0] as SchemaIssue);
}

function expectedOf(issue: SchemaIssue): string[] {
  if (issue.code === 'invalid_type') return [issue.expected];
  const expected: unknown = issue.code === 'custom' ? issue.params?.['expected'] : undefined;
  if (Array.isArray(expected)) return expected.filter((e): e is string => typeof e === 'string');
  return typeof expected === 'string' ? [expected] : [];
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
