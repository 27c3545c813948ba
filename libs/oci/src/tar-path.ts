import { TerminalError, shownPath } from '@patch-factory/contracts';
import { TarErrorCode } from './oci-errors';

function unsafe(what: string, entry: string, why: string, code: string) {
  return new TerminalError(code, `${what}: entry "${shownPath(entry, 200)}" ${why}; the archive is refused`);
}

/**
 * Normalises an entry path of a package archive to a root-relative path (`usr/bin/x`, `.` for
 * the root): `./` prefixes, empty and `.` segments and a trailing `/` go. Throws
 * `code` (default `tar-unsafe-entry`) for an absolute path or any `..` segment.
 */
export function normaliseEntryPath(raw: string, what: string, code: string = TarErrorCode.unsafe): string {
  if (raw.includes('\0')) throw unsafe(what, raw, 'has a NUL byte in its path', code);
  if (raw.startsWith('/')) throw unsafe(what, raw, 'has an absolute path', code);
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..'))
    throw unsafe(what, raw, 'has a ".." path segment (it would escape the image root)', code);
  return segments.length === 0 ? '.' : segments.join('/');
}

/** The target of a hard link, checked as an entry path is (inside the root, no `..`). */
export function checkHardlinkTarget(
  entry: string,
  target: string,
  what: string,
  code: string = TarErrorCode.unsafe,
): string {
  if (target.startsWith('/') || target.split('/').includes('..'))
    throw unsafe(what, entry, `is a hard link to "${shownPath(target, 200)}" outside the archive root`, code);
  return normaliseEntryPath(target, what, code);
}

/**
 * Checks that a symlink at `entry` (normalised) pointing to `target` resolves inside the
 * root: a relative target from the link's directory, an absolute one from the image root
 * (`/usr/lib/x` is fine); climbing above the root with `..` is refused.
 */
export function checkSymlinkTarget(
  entry: string,
  target: string,
  what: string,
  code: string = TarErrorCode.unsafe,
): void {
  if (target === '' || target.includes('\0'))
    throw unsafe(what, entry, 'is a symlink with an empty or NUL target', code);
  const stack = target.startsWith('/') ? [] : entry.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (stack.length === 0)
        throw unsafe(
          what,
          entry,
          `is a symlink to "${shownPath(target, 200)}", which resolves outside the image root`,
          code,
        );
      stack.pop();
    } else stack.push(segment);
  }
}
