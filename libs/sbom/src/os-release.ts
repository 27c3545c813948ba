import type { TarEntry } from '@patch-factory/oci';
import { imageFile } from './image-files';

const WORD = /^[a-z0-9][a-z0-9._~-]{0,63}$/;

/** The fields of an os-release file (`KEY=value`, shell quoting undone). */
export function parseOsRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n').slice(0, 1000)) {
    const m = /^([A-Z0-9_]{1,64})=(.{0,1024})$/.exec(line.trim());
    if (!m) continue;
    let value = (m[2] as string).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\([\\"$`])/g, '$1');
    }
    out.set(m[1] as string, value);
  }
  return out;
}

/**
 * The distribution of an image from `etc/os-release` (or `usr/lib/os-release`): its ID
 * (`debian`, the purl namespace) and the distro qualifier `<ID>-<VERSION_ID>` (`debian-12`;
 * the ID alone without a VERSION_ID). Alpine's point releases share one repository and one
 * OSV ecosystem (`Alpine:v3.20`): its distro is the major.minor (VERSION_ID 3.20.3 → `alpine-3.20`).
 * Both undefined when neither file names a plain ID.
 */
export function imageOs(fs: ReadonlyMap<string, TarEntry>): { id?: string; distro?: string } {
  const file = imageFile(fs, 'etc/os-release') ?? imageFile(fs, 'usr/lib/os-release');
  if (!file || file.data.length > 64 * 1024) return {};
  const fields = parseOsRelease(file.data.toString('utf8'));
  const id = fields.get('ID');
  const version = fields.get('VERSION_ID');
  if (id === undefined || !WORD.test(id)) return {};
  const release = id === 'alpine' && version !== undefined ? /^(\d{1,3})\.(\d{1,3})(?:[._]|$)/.exec(version) : null;
  if (release) return { id, distro: `alpine-${release[1] as string}.${release[2] as string}` };
  return { id, distro: version === undefined || !WORD.test(version) ? id : `${id}-${version}` };
}

/** `imageOs(fs).distro`: `debian-12`. */
export function imageDistro(fs: ReadonlyMap<string, TarEntry>): string | undefined {
  return imageOs(fs).distro;
}
