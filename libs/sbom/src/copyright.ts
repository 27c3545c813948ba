import type { TarEntry } from '@patch-factory/oci';
import { Deb822Error, parseDeb822 } from './deb822';
import { imageFile } from './image-files';

const DEP5_FORMAT = /^https?:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/?$/;
const MAX_COPYRIGHT = 4 * 1024 * 1024;
const MAX_LICENSE_NAME = 256;

/** The licenses a package's copyright file declares, or why there are none. */
export type CopyrightLicenses = { licenses: string[] } | { licenses: undefined; reason: string };

/**
 * The License short names of the Files paragraphs of a machine-readable (DEP-5) copyright
 * file, in order of first appearance, deduplicated (`GPL-2+`, `BSD-3-clause or GPL-2`).
 */
export function dep5Licenses(text: string): CopyrightLicenses {
  const notDep5 = { licenses: undefined, reason: 'not a machine-readable (DEP-5 1.0) copyright file' };
  const firstLine = text.split('\n', 64).find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  if (!/^Format:/i.test(firstLine)) return notDep5;
  let stanzas;
  try {
    stanzas = parseDeb822(text, { maxField: MAX_COPYRIGHT });
  } catch (error) {
    if (error instanceof Deb822Error) return { licenses: undefined, reason: `not deb822: ${error.message}` };
    throw error;
  }
  const format = stanzas[0]?.get('format');
  if (format === undefined || !DEP5_FORMAT.test(format)) return notDep5;
  const licenses: string[] = [];
  for (const s of stanzas.slice(1)) {
    if (!s.has('files')) continue;
    const first = (s.get('license') ?? '').split('\n')[0]?.trim().replace(/\s+/g, ' ') ?? '';
    if (first === '' || first.length > MAX_LICENSE_NAME) continue;
    if (!licenses.includes(first)) licenses.push(first);
  }
  return licenses.length === 0 ? { licenses: undefined, reason: 'no Files paragraph names a license' } : { licenses };
}

/** `dep5Licenses` of `usr/share/doc/<package>/copyright` in an image (links followed). */
export function packageLicenses(fs: ReadonlyMap<string, TarEntry>, pkg: string): CopyrightLicenses {
  const file = imageFile(fs, `usr/share/doc/${pkg}/copyright`);
  if (!file) return { licenses: undefined, reason: `no usr/share/doc/${pkg}/copyright` };
  if (file.data.length > MAX_COPYRIGHT)
    return { licenses: undefined, reason: `usr/share/doc/${pkg}/copyright is over ${MAX_COPYRIGHT} bytes` };
  return dep5Licenses(file.data.toString('utf8'));
}
