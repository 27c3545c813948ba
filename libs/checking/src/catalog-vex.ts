import { z } from 'zod';
import { formatDefinitionError, parseWithSchema } from '@patch-factory/definitions';
import { parseOpenVex, type VexDocument } from '@patch-factory/vuln';
import { CheckingErrorCode, checkingTerminal } from './checking-errors';
import type { CatalogFileReader } from '@patch-factory/catalog-access';

/** The folder of OpenVEX documents in the definitions repository. */
export const VEX_DIR = '.patch-factory/vex';

/**
 * The catalog files that may hold VEX statements for a definition: `<VEX_DIR>/catalog.vex.yaml`
 * (every image) and `<VEX_DIR>/<definition without .yaml>.vex.yaml` (its image, in the catalog's
 * own layout: `.patch-factory/vex/image/static/debian-12/static.vex.yaml`). OpenVEX documents,
 * as YAML or JSON (JSON is YAML): the catalog reader only reads `.yaml`/`.yml` files, and cannot
 * list a folder at a branch, so the names are fixed.
 */
export function vexPathsOf(definition: string): string[] {
  return [`${VEX_DIR}/catalog.vex.yaml`, `${VEX_DIR}/${definition.replace(/\.ya?ml$/, '')}.vex.yaml`];
}

/** The OpenVEX documents of the catalog at `branch` for `definition` (absent files are skipped; a malformed one throws, located). */
export async function readCatalogVex(
  read: CatalogFileReader,
  definition: string,
  branch?: string,
): Promise<{ documents: VexDocument[]; files: string[] }> {
  const documents: VexDocument[] = [];
  const files: string[] = [];
  for (const path of vexPathsOf(definition)) {
    const text = await read(path, branch);
    if (text === undefined) continue;
    const where = branch ? `${path} (branch ${branch})` : path;
    const parsed = parseWithSchema(z.unknown(), text, where, { maxBytes: 4 * 1024 * 1024 });
    if (!parsed.ok)
      throw checkingTerminal(
        CheckingErrorCode.vexInvalid,
        `${where} of the catalog is not a VEX document:\n${parsed.errors.slice(0, 10).map(formatDefinitionError).join('\n')}`,
      );
    documents.push(parseOpenVex(parsed.value, where));
    files.push(path);
  }
  return { documents, files };
}
