import { shownPath } from '../builder-errors';
import type { TarEntry } from '@patch-factory/oci';
import { OciWriteErrorCode, ociTerminal } from './oci-errors';

const MAX_ID = Number.MAX_SAFE_INTEGER;

/**
 * Normalises a layer entry path to root-relative form: leading `/` and `./`, empty and `.`
 * segments and a trailing `/` go (`.` for the root). Throws `build-unsafe-path` for a `..`
 * segment or a NUL byte.
 */
export function normaliseLayerPath(raw: string, what: string): string {
  if (raw.includes('\0'))
    throw ociTerminal(
      OciWriteErrorCode.unsafePath,
      `${what}: path "${shownPath(raw)}" has a NUL byte; fix the entry list`,
    );
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw ociTerminal(
      OciWriteErrorCode.unsafePath,
      `${what}: path "${shownPath(raw)}" has a ".." segment (it would escape the image root); fix the entry list`,
    );
  }
  return segments.length === 0 ? '.' : segments.join('/');
}

/** Sort key: byte order of the UTF-8 path with `/` lowest, so a directory's subtree stays together after it. */
function sortKey(path: string): Buffer {
  return Buffer.from(path.replaceAll('/', '\0'), 'utf8');
}

/**
 * Checks and orders the entries of one layer: paths normalised (`normaliseLayerPath`), the
 * root entry dropped, entries sorted by path (parents before children), modes cut to
 * `& 0o7777`. Refuses duplicate paths, entries below a symlink of the layer, symlinks with an
 * empty target or one climbing above the root, and hard links to no file of the layer. A hard
 * link group is rewritten so the first path in sorted order carries the data and the others
 * link to it (a tar reader needs the target before the link). Does not touch `mtime`.
 */
export function prepareLayerEntries(entries: readonly TarEntry[], what: string): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of entries) {
    const path = normaliseLayerPath(e.path, what);
    if (path === '.') {
      if (e.type !== 'dir')
        throw ociTerminal(
          OciWriteErrorCode.unsafePath,
          `${what}: a ${e.type} entry replaces the image root; fix the entry list`,
        );
      continue;
    }
    if (byPath.has(path))
      throw ociTerminal(
        OciWriteErrorCode.layerInvalid,
        `${what}: path "${shownPath(path)}" appears twice; keep one entry per path`,
      );
    const bad = (why: string) =>
      ociTerminal(OciWriteErrorCode.layerInvalid, `${what}: entry "${shownPath(path)}" ${why}; fix the entry list`);
    if (!Number.isInteger(e.mode) || e.mode < 0) throw bad('has no valid mode');
    if (
      !Number.isInteger(e.uid) ||
      e.uid < 0 ||
      e.uid > MAX_ID ||
      !Number.isInteger(e.gid) ||
      e.gid < 0 ||
      e.gid > MAX_ID
    )
      throw bad('has no valid uid/gid');
    if (e.type !== 'file' && e.type !== 'dir' && e.type !== 'symlink' && e.type !== 'hardlink')
      throw bad('has an unknown type');
    if (e.type === 'file' && !Buffer.isBuffer(e.data)) throw bad('has no data buffer');
    const entry: TarEntry = {
      path,
      type: e.type,
      mode: e.mode & 0o7777,
      uid: e.uid,
      gid: e.gid,
      mtime: e.mtime,
      data: e.type === 'file' ? e.data : Buffer.alloc(0),
    };
    if (e.type === 'symlink') entry.linkTarget = checkSymlink(path, e.linkTarget, what);
    if (e.type === 'hardlink') entry.linkTarget = normaliseLayerPath(e.linkTarget ?? '', what);
    byPath.set(path, entry);
  }
  const sorted = [...byPath.values()].sort((a, b) => Buffer.compare(sortKey(a.path), sortKey(b.path)));
  checkNotBelowSymlink(sorted, what);
  return reorderHardlinks(sorted, byPath, what);
}

function checkSymlink(path: string, target: string | undefined, what: string): string {
  const unsafe = (why: string) =>
    ociTerminal(OciWriteErrorCode.unsafePath, `${what}: symlink "${shownPath(path)}" ${why}; fix the entry list`);
  if (target === undefined || target === '' || target.includes('\0')) throw unsafe('has an empty or NUL target');
  const stack = target.startsWith('/') ? [] : path.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') stack.push(segment);
    else if (stack.pop() === undefined)
      throw unsafe(`points to "${shownPath(target)}", which resolves outside the image root`);
  }
  return target;
}

function checkNotBelowSymlink(sorted: readonly TarEntry[], what: string): void {
  const symlinks = new Set(sorted.filter((e) => e.type === 'symlink').map((e) => e.path));
  if (symlinks.size === 0) return;
  for (const e of sorted) {
    const segments = e.path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/');
      if (symlinks.has(parent))
        throw ociTerminal(
          OciWriteErrorCode.unsafePath,
          `${what}: entry "${shownPath(e.path)}" lies below the symlink "${shownPath(parent)}"; fix the entry list`,
        );
    }
  }
}

function reorderHardlinks(sorted: TarEntry[], byPath: ReadonlyMap<string, TarEntry>, what: string): TarEntry[] {
  const groups = new Map<string, string[]>(); // file path -> its links' paths
  for (const e of sorted) {
    if (e.type !== 'hardlink') continue;
    const target = byPath.get(e.linkTarget ?? '');
    if (target?.type !== 'file') {
      throw ociTerminal(
        OciWriteErrorCode.layerInvalid,
        `${what}: hard link "${shownPath(e.path)}" points to "${shownPath(e.linkTarget ?? '')}", which is no file of the layer; fix the entry list`,
      );
    }
    const group = groups.get(target.path) ?? [];
    group.push(e.path);
    groups.set(target.path, group);
  }
  if (groups.size === 0) return sorted;
  const rewritten = new Map<string, TarEntry>();
  for (const [filePath, links] of groups) {
    const file = byPath.get(filePath) as TarEntry;
    const members = [filePath, ...links].sort((a, b) => Buffer.compare(sortKey(a), sortKey(b)));
    const first = members[0] as string;
    for (const member of members) {
      rewritten.set(
        member,
        member === first
          ? { ...file, path: first }
          : {
              path: member,
              type: 'hardlink',
              mode: file.mode,
              uid: file.uid,
              gid: file.gid,
              mtime: file.mtime,
              linkTarget: first,
              data: Buffer.alloc(0),
            },
      );
    }
  }
  return sorted.map((e) => rewritten.get(e.path) ?? e);
}
