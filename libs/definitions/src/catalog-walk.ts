import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { catalogFileKind, namedFileKind, type CatalogFileKind } from './catalog-path';

/** One catalog file found under a directory. */
export interface CatalogFile {
  kind: CatalogFileKind;
  /** The path to show: the directory as given, joined with the path inside it. */
  path: string;
  /** Where to read it: the file itself (for a followed link, the link's target). */
  readPath: string;
}

/** A file or link that was passed over, and why. */
export interface SkippedEntry {
  path: string;
  reason: 'not-in-layout' | 'link-leaves-directory' | 'broken-link' | 'link-cycle';
}

/** What {@link listCatalogFiles} found, in name order. */
export interface CatalogListing {
  files: CatalogFile[];
  skipped: SkippedEntry[];
}

const YAML_FILE = /\.ya?ml$/;

/**
 * The definition and info files under a directory (see catalogFileKind for which `.yaml`/`.yml`
 * files are which; other YAML files are listed as skipped), or the one file named. Symbolic
 * links are followed only when their target is inside the directory (else skipped, never
 * read), and a directory is never walked twice (link cycles).
 * @throws NodeJS.ErrnoException when `target` itself cannot be read (e.g. ENOENT)
 */
export function listCatalogFiles(target: string): CatalogListing {
  const top = statSync(target);
  if (!top.isDirectory()) {
    return { files: [{ kind: namedFileKind(target), path: target, readPath: realpathSync(target) }], skipped: [] };
  }
  const root = realpathSync(target);
  const listing: CatalogListing = { files: [], skipped: [] };
  const visited = new Set<string>([root]);
  // Each entry: the real directory to read, and its path inside the tree (as links are named).
  const stack: { real: string; logical: string }[] = [{ real: root, logical: '' }];
  while (stack.length) {
    const { real, logical } = stack.pop() as { real: string; logical: string };
    const names = readdirSync(real).sort();
    const subdirs: { real: string; logical: string }[] = [];
    for (const name of names) {
      const inside = logical ? `${logical}/${name}` : name;
      const shown = join(target, inside);
      let realPath = join(real, name);
      let stat: Stats = lstatSync(realPath);
      if (stat.isSymbolicLink()) {
        try {
          realPath = realpathSync(realPath);
          stat = statSync(realPath);
        } catch {
          listing.skipped.push({ path: shown, reason: 'broken-link' });
          continue;
        }
        if (!isInside(root, realPath)) {
          listing.skipped.push({ path: shown, reason: 'link-leaves-directory' });
          continue;
        }
      }
      if (stat.isDirectory()) {
        if (visited.has(realPath)) listing.skipped.push({ path: shown, reason: 'link-cycle' });
        else {
          visited.add(realPath);
          subdirs.push({ real: realPath, logical: inside });
        }
      } else if (stat.isFile() && YAML_FILE.test(name)) {
        const kind = catalogFileKind(join(root, inside));
        if (kind) listing.files.push({ kind, path: shown, readPath: realPath });
        else listing.skipped.push({ path: shown, reason: 'not-in-layout' });
      }
    }
    stack.push(...subdirs.reverse());
  }
  const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  listing.files.sort(byPath);
  listing.skipped.sort(byPath);
  return listing;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
