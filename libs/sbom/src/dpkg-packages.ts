import { shown } from '@patch-factory/contracts';
import type { TarEntry } from '@patch-factory/oci';
import { Deb822Error, parseDeb822 } from './deb822';
import { imageFile } from './image-files';
import { SbomErrorCode, sbomTerminal } from './sbom-errors';

export const DPKG_STATUS = 'var/lib/dpkg/status';

/** One installed Debian package of an image, from dpkg's status database. */
export interface InstalledDeb {
  name: string;
  version: string;
  architecture: string;
  /** The source package it was built from (the binary's own name and version when the same). */
  source: { name: string; version: string };
}

/** A status paragraph that lists no installed package, and why. */
export interface SkippedStanza {
  /** 1-based paragraph (record) number in the package database. */
  stanza: number;
  /** The line it starts on (1-based), where the database format reports it (apk's). */
  line?: number;
  package?: string;
  reason: string;
}

export interface DpkgPackages {
  packages: InstalledDeb[];
  skipped: SkippedStanza[];
}

export interface DpkgStatusLimits {
  /** Largest status file (default 64 MiB). */
  maxBytes?: number;
  /** Longest field (default 1 MiB). */
  maxField?: number;
}

const NAME = /^[a-z0-9][a-z0-9+.-]{0,127}$/;
const VERSION = /^(?:[0-9]{1,9}:)?[0-9A-Za-z][0-9A-Za-z.+~:-]{0,255}$/;
const ARCH = /^[a-z0-9][a-z0-9-]{0,31}$/;
const SOURCE = /^(\S+)(?:\s+\((\S+)\))?$/;

/**
 * The installed packages of an image: the paragraphs of `var/lib/dpkg/status` whose Status is
 * `install ok installed`, sorted by name and architecture. A paragraph without a valid Package,
 * Version or Architecture, or not installed, is skipped with its reason. Throws
 * `sbom-status-invalid` for a status file that is not deb822, is over the limits, or lists a
 * package (name and architecture) twice. An image without the file has no packages.
 */
export function dpkgPackages(fs: ReadonlyMap<string, TarEntry>, limits: DpkgStatusLimits = {}): DpkgPackages {
  const file = imageFile(fs, DPKG_STATUS);
  if (!file) return { packages: [], skipped: [] };
  const maxBytes = limits.maxBytes ?? 64 * 1024 * 1024;
  const bad = (why: string) =>
    sbomTerminal(
      SbomErrorCode.statusInvalid,
      `${DPKG_STATUS} of the image ${why}; the image's package database is broken or hostile`,
    );
  if (file.data.length > maxBytes) throw bad(`is ${file.data.length} bytes, over the limit of ${maxBytes}`);
  let stanzas;
  try {
    stanzas = parseDeb822(file.data.toString('utf8'), { maxField: limits.maxField ?? 1024 * 1024 });
  } catch (error) {
    if (error instanceof Deb822Error) throw bad(`is not valid deb822: ${error.message}`);
    throw error;
  }
  const packages: InstalledDeb[] = [];
  const skipped: SkippedStanza[] = [];
  const seen = new Map<string, number>();
  for (const [i, s] of stanzas.entries()) {
    const stanza = i + 1;
    const name = s.get('package');
    const skip = (reason: string) =>
      skipped.push({ stanza, ...(name === undefined ? {} : { package: shown(name, 128) }), reason });
    if (name === undefined || !NAME.test(name)) {
      skip(name === undefined ? 'no Package field' : `Package "${shown(name, 64)}" is not a Debian package name`);
      continue;
    }
    const status = s.get('status');
    if (status !== 'install ok installed') {
      skip(`Status is "${shown(status ?? '(none)', 64)}", not "install ok installed"`);
      continue;
    }
    const version = s.get('version');
    if (version === undefined || !VERSION.test(version)) {
      skip(version === undefined ? 'no Version field' : `Version "${shown(version, 64)}" is not a Debian version`);
      continue;
    }
    const architecture = s.get('architecture');
    if (architecture === undefined || !ARCH.test(architecture)) {
      skip(
        architecture === undefined
          ? 'no Architecture field'
          : `Architecture "${shown(architecture, 64)}" is not a Debian architecture`,
      );
      continue;
    }
    const source = sourceOf(s.get('source'), name, version);
    if (typeof source === 'string') {
      skip(source);
      continue;
    }
    const key = `${name}:${architecture}`;
    const first = seen.get(key);
    if (first !== undefined) throw bad(`lists ${key} twice (paragraphs ${first} and ${stanza})`);
    seen.set(key, stanza);
    packages.push({ name, version, architecture, source });
  }
  packages.sort((a, b) => (a.name === b.name ? compare(a.architecture, b.architecture) : compare(a.name, b.name)));
  return { packages, skipped };
}

/** `Source: openssl` or `Source: openssl (3.0.11-1)`; absent means the binary's own name and version. */
function sourceOf(
  field: string | undefined,
  name: string,
  version: string,
): { name: string; version: string } | string {
  if (field === undefined || field === '') return { name, version };
  const m = SOURCE.exec(field);
  const sourceName = m?.[1];
  const sourceVersion = m?.[2] ?? version;
  if (sourceName === undefined || !NAME.test(sourceName) || !VERSION.test(sourceVersion))
    return `Source "${shown(field, 64)}" is not "name" or "name (version)"`;
  return { name: sourceName, version: sourceVersion };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
