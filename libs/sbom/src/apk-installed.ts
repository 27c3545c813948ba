import { shown } from '@patch-factory/contracts';
import { parseApkVersion } from '@patch-factory/alpine';
import type { TarEntry } from '@patch-factory/oci';
import type { SkippedStanza } from './dpkg-packages';
import { imageFile } from './image-files';
import { SbomErrorCode, sbomTerminal } from './sbom-errors';

export const APK_INSTALLED = 'lib/apk/db/installed';

/** One installed Alpine package of an image, from apk's installed database. */
export interface InstalledApk {
  /** `P:` the package name. */
  name: string;
  /** `V:` its version (apk syntax, checked). */
  version: string;
  /** `A:` its architecture (`x86_64`, `aarch64`, `noarch`). */
  architecture: string;
  /** `o:` the origin: the aports package it was built from (its own name when absent). */
  origin: string;
  /** `L:` its license as apk has it (an SPDX expression for current packages), if any. */
  license?: string;
  /** The line its record starts on (1-based). */
  line: number;
}

export interface ApkPackages {
  packages: InstalledApk[];
  /** Records that name no usable package, with their record number, first line and why. */
  skipped: SkippedStanza[];
}

export interface ApkInstalledLimits {
  /** Largest installed file (default 64 MiB). */
  maxBytes?: number;
  /** Longest line (default 64 KiB). */
  maxLine?: number;
  /** Most records (default 100000). */
  maxRecords?: number;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9+._-]{0,127}$/;
const ARCH = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const FIELD = /^([A-Za-z]):(.*)$/;
/** Fields that repeat within a record: the file list (F: directory, R: file), ACLs (M:, a:) and checksums (Z:). */
const REPEATED = new Set(['F', 'R', 'M', 'a', 'Z']);
const MAX_LICENSE = 512;

/**
 * Parses apk's installed database (`lib/apk/db/installed`): records separated by blank lines,
 * one `X:value` field a line (P name, V version, A arch, o origin, L license, F/R/M/a/Z the
 * file list; other letters are read and ignored). Returns the packages sorted by name; a record
 * without a valid P:, V: or A:, or with a bad o:, is skipped with its reason. Throws
 * `sbom-apk-db-invalid`, naming the line, for text over the limits (size, line length, record
 * count), a NUL byte, a line that is not `X:value`, a single-valued field given twice in a
 * record, or a package name installed twice.
 */
export function parseApkInstalled(text: string, limits: ApkInstalledLimits = {}): ApkPackages {
  const maxBytes = limits.maxBytes ?? 64 * 1024 * 1024;
  const maxLine = limits.maxLine ?? 64 * 1024;
  const maxRecords = limits.maxRecords ?? 100_000;
  const bad = (why: string) =>
    sbomTerminal(
      SbomErrorCode.apkDbInvalid,
      `${APK_INSTALLED} of the image ${why}; the image's package database is broken or hostile`,
    );
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw bad(`is ${bytes} bytes, over the limit of ${maxBytes}`);
  const packages: InstalledApk[] = [];
  const skipped: SkippedStanza[] = [];
  const seen = new Map<string, number>();
  let fields = new Map<string, string>();
  let start = 0;
  let records = 0;
  const flush = () => {
    if (start === 0) return;
    const pkg = toPackage(fields, start);
    if (typeof pkg === 'string') {
      const name = fields.get('P');
      skipped.push({
        stanza: records,
        line: start,
        ...(name === undefined ? {} : { package: shown(name, 128) }),
        reason: pkg,
      });
    } else {
      const first = seen.get(pkg.name);
      if (first !== undefined)
        throw bad(`lists ${shown(pkg.name, 128)} twice (records starting at lines ${first} and ${start})`);
      seen.set(pkg.name, start);
      packages.push(pkg);
    }
    fields = new Map();
    start = 0;
  };
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const n = i + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > maxLine) throw bad(`has a line longer than ${maxLine} characters (line ${n})`);
    if (line.includes('\0')) throw bad(`has a NUL byte (line ${n})`);
    if (line === '') {
      flush();
      continue;
    }
    const m = FIELD.exec(line);
    if (!m) throw bad(`has a line that is not an "X:value" field (line ${n}: "${shown(line, 60)}")`);
    if (start === 0) {
      if (++records > maxRecords) throw bad(`has more than ${maxRecords} records (line ${n})`);
      start = n;
    }
    const key = m[1] as string;
    if (REPEATED.has(key)) continue;
    if (fields.has(key)) throw bad(`gives ${key}: twice in the record starting at line ${start} (line ${n})`);
    fields.set(key, m[2] as string);
  }
  flush();
  packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { packages, skipped };
}

function toPackage(fields: Map<string, string>, line: number): InstalledApk | string {
  const name = fields.get('P');
  if (name === undefined) return 'no P: (package name) field';
  if (!NAME.test(name)) return `P:${shown(name, 64)} is not an Alpine package name`;
  const version = fields.get('V');
  if (version === undefined) return 'no V: (version) field';
  try {
    parseApkVersion(version);
  } catch {
    return `V:${shown(version, 64)} is not an Alpine package version`;
  }
  const architecture = fields.get('A');
  if (architecture === undefined) return 'no A: (architecture) field';
  if (!ARCH.test(architecture)) return `A:${shown(architecture, 64)} is not an architecture`;
  const origin = fields.get('o') ?? name;
  if (!NAME.test(origin)) return `o:${shown(origin, 64)} is not an Alpine package name`;
  const license = (fields.get('L') ?? '').trim().replace(/\s+/g, ' ');
  const pkg: InstalledApk = { name, version, architecture, origin, line };
  if (license !== '' && license.length <= MAX_LICENSE) pkg.license = license;
  return pkg;
}

/**
 * The installed packages of an image's apk database (`lib/apk/db/installed`, links followed),
 * or undefined when the image has none. Throws `sbom-apk-db-invalid` as `parseApkInstalled`.
 */
export function apkPackages(
  fs: ReadonlyMap<string, TarEntry>,
  limits: ApkInstalledLimits = {},
): ApkPackages | undefined {
  const file = imageFile(fs, APK_INSTALLED);
  if (!file) return undefined;
  const maxBytes = limits.maxBytes ?? 64 * 1024 * 1024;
  if (file.data.length > maxBytes) {
    throw sbomTerminal(
      SbomErrorCode.apkDbInvalid,
      `${APK_INSTALLED} of the image is ${file.data.length} bytes, over the limit of ${maxBytes}; the image's package database is broken or hostile`,
    );
  }
  return parseApkInstalled(file.data.toString('utf8'), limits);
}
