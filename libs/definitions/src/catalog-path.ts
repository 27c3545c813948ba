import { basename } from 'node:path';

/** The two kinds of catalog file this library reads. */
export type CatalogFileKind = 'definition' | 'info';

/** An OS directory of the catalog: `<distro>-<version>`, e.g. `debian-13`, `alpine-3.22`. */
const OS_DIR = /^[a-z][a-z0-9]*-[0-9][0-9a-z.]*$/;
const YAML_FILE = /\.ya?ml$/;

/**
 * What a file of the catalog is, by where it is: `image/<name>/<os>/<stream>.yaml` (or
 * `.yml`) is a definition, `image/<name>/info.yaml` an image's info file; anything else
 * (configuration files images ship, such as `image/tempo/config/tempo-v3.yaml`) is neither.
 * Only the last segments of the path count, so it may be absolute or relative.
 */
export function catalogFileKind(filePath: string): CatalogFileKind | undefined {
  const parts = filePath.split(/[\\/]+/);
  const n = parts.length;
  const name = parts[n - 1] ?? '';
  if (name === 'info.yaml' && parts[n - 3] === 'image' && n >= 3) return 'info';
  if (YAML_FILE.test(name) && parts[n - 4] === 'image' && OS_DIR.test(parts[n - 2] ?? '')) return 'definition';
  return undefined;
}

/**
 * The kind of a file a person named explicitly: by its place in the catalog if it has one,
 * else an info file if it is called `info.yaml`, else a definition.
 */
export function namedFileKind(filePath: string): CatalogFileKind {
  return catalogFileKind(filePath) ?? (basename(filePath) === 'info.yaml' ? 'info' : 'definition');
}
