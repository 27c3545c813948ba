import { compareDebianVersions } from '@patch-factory/debian';
import type { RelationOp } from './relation-parse';

/** Whether `version` satisfies `op want` in dpkg's version order. */
export function versionSatisfies(version: string, op: RelationOp, want: string): boolean {
  const c = compareDebianVersions(version, want);
  switch (op) {
    case '<<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '=':
      return c === 0;
    case '>=':
      return c >= 0;
    case '>>':
      return c > 0;
  }
}
