import { shown } from '@patch-factory/contracts';
import { AptErrorCode, aptTerminal } from '../debian-errors';

/** One line of a Release's SHA256 list. */
export interface ReleaseFile {
  path: string;
  size: number;
  sha256: string;
}

/** The fields of a Release file the client uses (deb822, one stanza). */
export interface Release {
  origin?: string;
  label?: string;
  suite?: string;
  codename?: string;
  /** Epoch ms. */
  date: number;
  /** Epoch ms; absent when the Release does not expire. */
  validUntil?: number;
  architectures: string[];
  components: string[];
  /** SHA256 entries by path (`main/binary-amd64/Packages.xz`). */
  sha256: Map<string, ReleaseFile>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DATE =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (UTC|GMT|Z|[+-]\d{4})$/;
const FILE_PATH = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._+~@-]+(?:\/[A-Za-z0-9._+~@-]+)*$/;

/** An RFC 2822 date as Release files write it (`Sat, 11 Jul 2026 10:16:00 UTC`), in epoch ms. */
export function parseReleaseDate(text: string): number | undefined {
  const m = DATE.exec(text.trim());
  if (!m) return undefined;
  const [, day, mon, year, hh, mm, ss, zone] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const month = MONTHS.indexOf(mon);
  if (month < 0) return undefined;
  let offset = 0;
  if (zone.startsWith('+') || zone.startsWith('-')) {
    offset = (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  }
  const ms = Date.UTC(Number(year), month, Number(day), Number(hh), Number(mm), Number(ss)) - offset;
  return Number.isFinite(ms) ? ms : undefined;
}

/** Parses a (verified) Release text. Throws `apt-release-invalid` naming the line. */
export function parseRelease(text: string, what = 'Release'): Release {
  const fields = new Map<string, string>();
  const lines = text.split('\n');
  let current: string | undefined;
  const invalid = (n: number, why: string) =>
    aptTerminal(AptErrorCode.releaseInvalid, `${what} line ${n}: ${why}; the repository publishes a broken Release`);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    if (line === '') {
      if (fields.size && lines.slice(i).some((l) => l.trim() !== '')) throw invalid(i + 1, 'more than one stanza');
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current === undefined) throw invalid(i + 1, 'continuation line before any field');
      fields.set(current, `${fields.get(current) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw invalid(i + 1, `"${shown(line, 60)}" is not "Field: value"`);
    current = line.slice(0, colon);
    if (fields.has(current)) throw invalid(i + 1, `field ${shown(current, 40)} given twice`);
    fields.set(current, line.slice(colon + 1).trim());
  }
  const dateText = fields.get('Date');
  if (dateText === undefined) throw aptTerminal(AptErrorCode.releaseInvalid, `${what} has no Date field`);
  const date = parseReleaseDate(dateText);
  if (date === undefined)
    throw aptTerminal(AptErrorCode.releaseInvalid, `${what}: Date "${shown(dateText, 60)}" is not an RFC 2822 date`);
  const validText = fields.get('Valid-Until');
  const validUntil = validText === undefined ? undefined : parseReleaseDate(validText);
  if (validText !== undefined && validUntil === undefined) {
    throw aptTerminal(
      AptErrorCode.releaseInvalid,
      `${what}: Valid-Until "${shown(validText, 60)}" is not an RFC 2822 date`,
    );
  }
  const release: Release = {
    date,
    architectures: words(fields.get('Architectures')),
    components: words(fields.get('Components')),
    sha256: parseSha256List(fields.get('SHA256') ?? '', what),
  };
  if (validUntil !== undefined) release.validUntil = validUntil;
  for (const [key, field] of [
    ['origin', 'Origin'],
    ['label', 'Label'],
    ['suite', 'Suite'],
    ['codename', 'Codename'],
  ] as const) {
    const value = fields.get(field);
    if (value !== undefined) release[key] = value;
  }
  if (release.sha256.size === 0)
    throw aptTerminal(
      AptErrorCode.releaseInvalid,
      `${what} lists no file with a SHA256 checksum; it cannot be trusted`,
    );
  return release;
}

function words(text: string | undefined): string[] {
  return text ? text.split(/\s+/).filter(Boolean) : [];
}

function parseSha256List(text: string, what: string): Map<string, ReleaseFile> {
  const files = new Map<string, ReleaseFile>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parts = line.trim().split(/\s+/);
    const [sha256 = '', size = '', path = ''] = parts;
    if (parts.length !== 3 || !/^[0-9a-f]{64}$/.test(sha256) || !/^\d{1,15}$/.test(size) || !FILE_PATH.test(path)) {
      throw aptTerminal(
        AptErrorCode.releaseInvalid,
        `${what}: SHA256 line "${shown(line.trim(), 100)}" is not "<sha256> <size> <path>"`,
      );
    }
    files.set(path, { path, size: Number(size), sha256 });
  }
  return files;
}
