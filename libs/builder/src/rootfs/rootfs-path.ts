import { shownPath } from '../builder-errors';
import { RootFsErrorCode, rootfsTerminal } from './rootfs-errors';

/** Top-level directories that Debian 12's merged /usr turns into symlinks to `usr/<name>`. */
export const MERGED_USR_DIRS = ['bin', 'sbin', 'lib', 'lib64'] as const;

const MERGED = new Set<string>(MERGED_USR_DIRS);

/**
 * Root-relative form of a path (`/`, `./`, empty and `.` segments dropped; `.` for the root).
 * Throws `build-unsafe-path` for a `..` segment, a NUL byte or a control character.
 */
export function rootfsPath(raw: string, what: string): string {
  // eslint-disable-next-line no-control-regex
  if (typeof raw !== 'string' || /[\u0000-\u001f\u007f]/.test(raw)) {
    throw rootfsTerminal(
      RootFsErrorCode.unsafePath,
      `${what}: path "${shownPath(String(raw))}" has a NUL or control character; fix it`,
    );
  }
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..'))
    throw rootfsTerminal(
      RootFsErrorCode.unsafePath,
      `${what}: path "${shownPath(raw)}" has a ".." segment (it would escape the image root); fix it`,
    );
  return segments.length === 0 ? '.' : segments.join('/');
}

/** The merged-/usr location of a root-relative path: `bin/sh` → `usr/bin/sh`, `lib` → `usr/lib`. */
export function mergedUsrPath(path: string): string {
  const first = path.split('/', 1)[0] ?? '';
  return MERGED.has(first) ? `usr/${path}` : path;
}

/**
 * Rewrites a relative symlink target for a link moved from `from` to `to` (both root-relative)
 * so it still names the same file after merged /usr. Absolute targets stay as they are (they
 * resolve through the top-level symlinks). Throws `build-unsafe-path` for a target above the root.
 */
export function movedLinkTarget(from: string, to: string, target: string, what: string): string {
  if (from === to || target.startsWith('/')) return target;
  const stack = from.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') stack.push(segment);
    else if (stack.pop() === undefined)
      throw rootfsTerminal(
        RootFsErrorCode.unsafePath,
        `${what}: symlink "${shownPath(from)}" points above the image root; the package is refused`,
      );
  }
  const resolved = mergedUsrPath(stack.join('/')).split('/');
  const base = to.split('/').slice(0, -1);
  let common = 0;
  while (common < base.length && common < resolved.length && base[common] === resolved[common]) common++;
  const up = base.slice(common).map(() => '..');
  const rel = [...up, ...resolved.slice(common)].join('/');
  return rel === '' ? '.' : rel;
}
