import type { CatalogFileReader } from '@patch-factory/catalog-access';
import { formatDefinitionError, parseWithSchema } from '@patch-factory/definitions';
import { CheckingErrorCode, checkingTerminal } from './checking-errors';
import { DEFAULT_GATES, GATES_PATH, GatesSchema, type GatesPolicy } from './gates.schema';

/** At most this many problems are named in the error. */
const MAX_SHOWN = 10;

/**
 * Parses a gates file (YAML or JSON) into a policy, defaults filled in. A malformed file throws
 * TerminalError `gates-invalid` naming each problem as `file:line:col: key: message`.
 */
export function parseGates(text: string, where = GATES_PATH): GatesPolicy {
  const parsed = parseWithSchema(GatesSchema, text, where, { maxBytes: 64 * 1024 });
  if (parsed.ok) return parsed.value;
  const lines = parsed.errors.slice(0, MAX_SHOWN).map(formatDefinitionError);
  const more = parsed.errors.length > MAX_SHOWN ? `\n… and ${parsed.errors.length - MAX_SHOWN} more` : '';
  throw checkingTerminal(
    CheckingErrorCode.gatesInvalid,
    `${where} of the catalog is not a valid gates policy (${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'}):\n${lines.join('\n')}${more}`,
  );
}

/** The catalog's gates policy at `branch`, or {@link DEFAULT_GATES} when it has none. */
export async function readGates(read: CatalogFileReader, branch?: string): Promise<GatesPolicy> {
  const text = await read(GATES_PATH, branch);
  return text === undefined
    ? DEFAULT_GATES
    : parseGates(text, branch ? `${GATES_PATH} (branch ${branch})` : GATES_PATH);
}
