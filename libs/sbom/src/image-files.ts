import type { TarEntry } from '@patch-factory/oci';

const MAX_HOPS = 16;

/**
 * The regular file at `path` in a flattened image file system, following symlinks (of the path
 * and its parents, absolute ones from the image root, never above it) and hard links, as the
 * image would at run time. Undefined when there is none, when a link loops, or when it is no file.
 */
export function imageFile(fs: ReadonlyMap<string, TarEntry>, path: string): TarEntry | undefined {
  let segments = path.split('/').filter((s) => s !== '' && s !== '.');
  let hops = 0;
  for (let i = 0; i < segments.length; i++) {
    const here = segments.slice(0, i + 1).join('/');
    const entry = fs.get(here);
    if (entry?.type !== 'symlink') continue;
    if (++hops > MAX_HOPS) return undefined;
    const target = entry.linkTarget ?? '';
    const base = target.startsWith('/') ? [] : segments.slice(0, i);
    const resolved = resolveSegments([...base, ...target.split('/')]);
    if (resolved === undefined) return undefined;
    segments = [...resolved, ...segments.slice(i + 1)];
    i = -1;
  }
  let entry = fs.get(segments.join('/'));
  if (entry?.type === 'hardlink') entry = fs.get(entry.linkTarget ?? '');
  return entry?.type === 'file' ? entry : undefined;
}

function resolveSegments(parts: string[]): string[] | undefined {
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (out.pop() === undefined) return undefined;
    } else out.push(p);
  }
  return out;
}
