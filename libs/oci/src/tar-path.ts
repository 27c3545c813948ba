import { BuilderErrorCode, builderTerminal, shownPath } from '../builder-errors';

function unsafe(what: string, entry: string, why: string) {
  return builderTerminal(BuilderErrorCode.unsafeArchive, `${what}: entry "${shownPath(entry, 200)}" ${why}; the package is refused`);
}

/**
 * Normalises an entry path of a package archive to a root-relative path (`usr/bin/x`, `.` for
 * the root): `./` prefixes, empty and `.` segments and a trailing `/` go. Throws
 * `build-unsafe-archive` for an absolute path or any `..` segment.
 */
export function normaliseEntryPath(raw: string, what: string): string {
  if (raw.includes('\0')) throw unsafe(what, raw, 'has a NUL byte in its path');
  if (raw.startsWith('/')) throw unsafe(what, raw, 'has an absolute path');
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw unsafe(what, raw, 'has a ".." path segment (it would escape the image root)');
  return segments.length === 0 ? '.' : segments.join('/');
}

/** The target of a hard link, checked as an entry path is (inside the root, no `..`). */
export function checkHardlinkTarget(entry: string, target: string, what: string): string {
  if (target.startsWith('/') || target.split('/').includes('..')) throw unsafe(what, entry, `is a hard link to "${shownPath(target, 200)}" outside the archive root`);
  return normaliseEntryPath(target, what);
}

/**
 * Checks that a symlink at `entry` (normalised) pointing to `target` resolves inside the
 * root: a relative target from the link's directory, an absolute one from the image root
 * (`/usr/lib/x` is fine); climbing above the root with `..` is refused.
 */
export function checkSymlinkTarget(entry: string, target: string, what: string): void {
  if (target === '' || target.includes('\0')) throw unsafe(what, entry, 'is a symlink with an empty or NUL target');
  const stack = target.startsWith('/') ? [] : entry.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (stack.length === 0) throw unsafe(what, entry, `is a symlink to "${shownPath(target, 200)}", which resolves outside the image root`);
      stack.pop();
    } else stack.push(segment);
  }
}
