import type { z } from 'zod';
import { closestBranch, type SchemaIssue } from './closest-branch';
import { allowedKeysAt, closestKey } from './schema-keys';
import { describeExpected, describeValue, valueAt } from './value-kind';

/** One schema problem, before it is placed in a file. */
export interface SchemaProblem {
  /** The path of the offending node. */
  path: PropertyKey[];
  /** Point at the node's key rather than its value (unknown keys). */
  atKey: boolean;
  message: string;
}

/**
 * What zod's issues mean for a person: one problem per unknown key, a missing key reported at
 * the mapping that lacks it, a wrong value with what was expected and what was found, and for a
 * `oneOf`/union only the issues of the branch the value was meant for.
 * @param root the value that was validated (to say what was found)
 * @param schema the schema it was validated with (to suggest a key for a misspelt one)
 */
export function describeIssues(issues: readonly SchemaIssue[], root: unknown, schema?: z.ZodType): SchemaProblem[] {
  return issues.flatMap((issue) => describeIssue(issue, [], root, schema));
}

function describeIssue(
  issue: SchemaIssue,
  prefix: readonly PropertyKey[],
  root: unknown,
  schema: z.ZodType | undefined,
): SchemaProblem[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const allowed = schema && allowedKeysAt(schema, path);
    return issue.keys.map((key) => {
      const suggestion = allowed && closestKey(key, allowed);
      const hint = suggestion ? ` (did you mean ${JSON.stringify(suggestion)}?)` : '';
      return { path: [...path, key], atKey: true, message: `unknown key ${JSON.stringify(key)}${hint}` };
    });
  }
  if (issue.code === 'invalid_union') {
    return closestBranch(issue.errors).flatMap((branchIssue) => describeIssue(branchIssue, path, root, schema));
  }
  const value = valueAt(root, path);
  const last = path[path.length - 1];
  if (value === undefined && last !== undefined) {
    return [{ path: path.slice(0, -1), atKey: false, message: `missing required key ${JSON.stringify(String(last))}` }];
  }
  return [{ path, atKey: false, message: messageFor(issue, value) }];
}

function messageFor(issue: SchemaIssue, value: unknown): string {
  const got = `got ${describeValue(value)}`;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${describeExpected(issue.expected)}, ${got}`;
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v));
      return `expected ${allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`}, ${got}`;
    }
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern
        ? `expected a string matching ${issue.pattern}, ${got}`
        : `${issue.message}, ${got}`;
    case 'custom': {
      const expected = expectedList(issue.params?.['expected']);
      return expected.length ? `expected ${expected.map(describeExpected).join(' or ')}, ${got}` : issue.message;
    }
    default:
      return issue.message;
  }
}

function expectedList(expected: unknown): string[] {
  if (typeof expected === 'string') return [expected];
  return Array.isArray(expected) ? expected.filter((e): e is string => typeof e === 'string') : [];
}
