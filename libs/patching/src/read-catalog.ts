import {
  CatalogIndex,
  catalogFileKind,
  definitionDeps,
  loadYamlData,
  type DefinitionDeps,
} from '@patch-factory/definitions';
import type { CatalogWorkspace } from '@patch-factory/forge';

/** The catalog on the default branch: every definition's deps and the index over them. */
export interface CatalogSnapshot {
  index: CatalogIndex;
  deps: Map<string, DefinitionDeps>;
  /** Definitions that could not be parsed (listed, never silently dropped). */
  errors: { file: string; message: string }[];
}

/** Reads every definition of the default branch (one git process for all blobs) and indexes it. */
export async function readCatalog(workspace: CatalogWorkspace): Promise<CatalogSnapshot> {
  const files = await workspace.readTree('image/');
  const deps = new Map<string, DefinitionDeps>();
  const errors: CatalogSnapshot['errors'] = [];
  for (const [file, text] of files) {
    if (catalogFileKind(file) !== 'definition') continue;
    try {
      deps.set(file, definitionDeps(file, loadYamlData(text)));
    } catch (error) {
      errors.push({ file, message: (error as Error).message.split('\n')[0] ?? 'unreadable' });
    }
  }
  return { index: CatalogIndex.build(deps.values()), deps, errors };
}
