import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { catalogFileKind } from '../catalog-path';
import { CatalogIndex } from './catalog-index';
import { definitionDeps, type DefinitionDeps } from './definition-deps';
import { loadYamlData, YamlDataError } from './load-yaml-data';

const MAX_FILE_BYTES = 1 << 20;
const MAX_FILES = 100_000;

export interface LoadedCatalog {
  index: CatalogIndex;
  deps: DefinitionDeps[];
  /** Files that could not be read or parsed: listed, never silently dropped. */
  errors: { file: string; message: string }[];
}

/**
 * The definition files of a catalog checkout: `image/<name>/<os>/<stream>.yaml` with an
 * OS directory such as `debian-13` (catalogFileKind; `info.yaml`, hidden files and the
 * configuration files images ship are not definitions). Symbolic links are not followed.
 */
export function listDefinitionFiles(root: string): string[] {
  const out: string[] = [];
  const imageDir = join(root, 'image');
  for (const name of safeDir(imageDir)) {
    for (const os of safeDir(join(imageDir, name))) {
      const dir = join(imageDir, name, os);
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isFile() || entry.name.startsWith('.') || catalogFileKind(join(dir, entry.name)) !== 'definition')
          continue;
        out.push(join(dir, entry.name));
        if (out.length > MAX_FILES) throw new Error(`${root}: more than ${MAX_FILES} definition files`);
      }
    }
  }
  return out.sort();
}

function safeDir(dir: string): string[] {
  try {
    if (!lstatSync(dir).isDirectory()) return [];
  } catch {
    return [];
  }
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** Parses every definition of a catalog checkout and builds its index. */
export function loadCatalog(root: string): LoadedCatalog {
  const deps: DefinitionDeps[] = [];
  const errors: LoadedCatalog['errors'] = [];
  for (const path of listDefinitionFiles(root)) {
    const file = relative(root, path).split(sep).join('/');
    try {
      if (lstatSync(path).size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
      deps.push(definitionDeps(file, loadYamlData(readFileSync(path, 'utf8'))));
    } catch (error) {
      const at = error instanceof YamlDataError ? `${error.line}:${error.column}: ` : '';
      errors.push({ file, message: `${at}${(error as Error).message.split('\n')[0] ?? 'unreadable'}` });
    }
  }
  return { index: CatalogIndex.build(deps), deps, errors };
}
