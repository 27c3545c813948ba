import { shown } from '../builder-errors';
import type { TarEntry } from '@patch-factory/oci';
import { RootFsErrorCode, rootfsTerminal } from './rootfs-errors';
import type { RootFs } from './rootfs';

/** A definition's `os-release:` section. */
export interface OsReleaseInput {
  name?: string;
  id?: string;
  'id-like'?: string;
  'version-id'?: string;
  'version-codename'?: string;
  'pretty-name'?: string;
  'home-url'?: string;
  'bug-report-url'?: string;
}

const KEYS: readonly (readonly [keyof OsReleaseInput, string, RegExp | undefined])[] = [
  ['pretty-name', 'PRETTY_NAME', undefined],
  ['name', 'NAME', undefined],
  ['version-id', 'VERSION_ID', /^[a-zA-Z0-9._~-]{1,64}$/],
  ['version-codename', 'VERSION_CODENAME', /^[a-z0-9._-]{1,64}$/],
  ['id', 'ID', /^[a-z0-9._-]{1,64}$/],
  ['id-like', 'ID_LIKE', /^[a-z0-9._-]+( [a-z0-9._-]+)*$/],
  ['home-url', 'HOME_URL', undefined],
  ['bug-report-url', 'BUG_REPORT_URL', undefined],
];

/** The os-release text: `KEY="value"` lines, shell-quoted, in a fixed order. */
export function osReleaseText(input: OsReleaseInput): string {
  const lines: string[] = [];
  for (const [key, name, pattern] of KEYS) {
    const value = input[key];
    if (value === undefined) continue;
    const bad = (why: string) =>
      rootfsTerminal(
        RootFsErrorCode.rootfsInvalid,
        `os-release: ${key} "${shown(String(value), 60)}" ${why}; fix the definition`,
      );
    if (typeof value !== 'string' || value.length > 512) throw bad('is not a string of at most 512 characters');
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value)) throw bad('has a control character');
    if (pattern && !pattern.test(value)) throw bad('has characters os-release does not allow there');
    lines.push(`${name}="${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"\n`);
  }
  return lines.join('');
}

/** Writes `usr/lib/os-release` and `etc/os-release` (the same regular file, 0644) from a definition's `os-release` section. Throws `build-rootfs-invalid` for a bad value. */
export function writeOsRelease(rootfs: RootFs, input: OsReleaseInput): void {
  const data = Buffer.from(osReleaseText(input), 'utf8');
  for (const path of ['usr/lib/os-release', 'etc/os-release']) {
    const entry: TarEntry = { path, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, data };
    rootfs.put(entry, 'os-release');
  }
}
