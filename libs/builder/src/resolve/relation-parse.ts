import { BuilderErrorCode, builderTerminal, shown } from '../builder-errors';

/** A version relation of a dependency, as dpkg writes it. */
export type RelationOp = '<<' | '<=' | '=' | '>=' | '>>';

/** One alternative of a dependency: `name[:arch] [(op version)]`. */
export interface Relation {
  name: string;
  /** `any`, `native` or an architecture name, when qualified. */
  arch?: string;
  op?: RelationOp;
  version?: string;
}

/** A dependency: its alternatives, in the order given (`a | b`). */
export type RelationGroup = readonly Relation[];

const RELATION =
  /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9][a-z0-9-]*))?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*((?:\d+:)?[0-9][A-Za-z0-9.+~:-]*)\s*\))?$/;
const MAX_FIELD = 64 * 1024;

/**
 * Parses a Depends / Pre-Depends / Provides field into groups of alternatives. The old
 * operators `<` and `>` mean `<=` and `>=` (as dpkg reads them). Throws `build-unresolvable`
 * naming the package and the text when the field is not a relation list.
 */
export function parseRelations(field: string | undefined, owner: string): RelationGroup[] {
  if (field === undefined || field.trim() === '') return [];
  if (field.length > MAX_FIELD) throw invalid(owner, field, 'the field is too long');
  const groups: RelationGroup[] = [];
  for (const part of field.split(',')) {
    const group: Relation[] = [];
    for (const alt of part.split('|')) {
      const m = RELATION.exec(alt.trim());
      if (!m) throw invalid(owner, alt, 'not "name[:arch] [(op version)]"');
      const [, name = '', arch, rawOp, version] = m;
      const relation: Relation = { name };
      if (arch !== undefined) relation.arch = arch;
      if (rawOp !== undefined && version !== undefined) {
        relation.op = rawOp === '<' ? '<=' : rawOp === '>' ? '>=' : (rawOp as RelationOp);
        relation.version = version;
      }
      group.push(relation);
    }
    groups.push(group);
  }
  return groups;
}

/** A relation as Debian writes it, for messages: `libssl3 (>= 3.0.9)`. */
export function relationText(r: Relation): string {
  return `${r.name}${r.arch ? `:${r.arch}` : ''}${r.op ? ` (${r.op} ${r.version ?? ''})` : ''}`;
}

function invalid(owner: string, text: string, why: string) {
  return builderTerminal(
    BuilderErrorCode.unresolvable,
    `package ${shown(owner, 80)} has an unreadable relation "${shown(text.trim(), 80)}" (${why}); the index is damaged or hostile: refresh it`,
  );
}
