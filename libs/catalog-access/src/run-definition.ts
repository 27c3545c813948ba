import { BuildErrorCode } from '@patch-factory/builder';
import { TerminalError } from '@patch-factory/contracts';
import { formatDefinitionError, parseDefinition, type Definition } from '@patch-factory/definitions';
import type { CatalogAccess } from './catalog-access';
import { CatalogAccessErrorCode } from './catalog-access-errors';

/** Reads a file of the catalog at a branch (the default branch when undefined); undefined when absent. */
export type CatalogFileReader = (path: string, branch?: string) => Promise<string | undefined>;

/** Reads catalog files through the process's catalog (throws `catalog-not-configured` without one). */
export function catalogReader(access: CatalogAccess): CatalogFileReader {
  return (path, branch) => access.workspace().readFile(path, branch);
}

/** The text of the run's definition at `branch` (the default branch when absent); `definition-missing` when it is not there. */
export async function readRunDefinitionText(
  read: CatalogFileReader,
  definition: string,
  branch?: string,
): Promise<string> {
  const text = await read(definition, branch);
  if (text === undefined)
    throw new TerminalError(
      CatalogAccessErrorCode.definitionMissing,
      `${definition} is not on ${branch ? `branch ${branch}` : 'the default branch'} of the catalog`,
    );
  return text;
}

/** The run's definition as the build read it: at the patch branch when there is one. */
export async function readRunDefinition(
  read: CatalogFileReader,
  definition: string,
  branch?: string,
): Promise<Definition> {
  const text = await readRunDefinitionText(read, definition, branch);
  const parsed = parseDefinition(text, definition);
  if (!parsed.ok)
    throw new TerminalError(
      BuildErrorCode.definitionInvalid,
      `${definition} is not a valid definition:\n${parsed.errors.slice(0, 10).map(formatDefinitionError).join('\n')}`,
    );
  return parsed.value;
}
