import { parseApkVersion } from '../version-compare';

/** One package of an APKINDEX (fields straight from the index, screened). */
export interface ApkIndexRecord {
  /** `P:` the package name. */
  name: string;
  /** `V:` the version (apk syntax, checked). */
  version: string;
  /** `A:` the architecture. */
  arch?: string;
  /** `o:` the origin (source package). */
  origin?: string;
  /** `C:` the checksum (`Q1` + base64 SHA-1 of the control segment). */
  checksum?: string;
  /** `S:` the package file size in bytes. */
  size?: number;
  /** `t:` the build time (seconds since the epoch). */
  buildTime?: number;
  /** `c:` the aports commit. */
  commit?: string;
  /** The line the record starts on (1-based). */
  line: number;
}

/** A record that was skipped, with the line it starts on and why. */
export interface ApkIndexProblem {
  line: number;
  /** The record's `P:` name, when it has a valid one. */
  name?: string;
  reason: 'missing-name' | 'missing-version' | 'bad-name' | 'bad-version' | 'bad-line' | 'duplicate-field' | 'too-long';
}

export interface ApkIndexParse {
  records: ApkIndexRecord[];
  /** Skipped records (at most MAX_PROBLEMS; `problemCount` has the total). */
  problems: ApkIndexProblem[];
  problemCount: number;
}

/** Most problems listed. */
export const MAX_PROBLEMS = 100;
/** Most records read. */
export const MAX_RECORDS = 200_000;
/** The longest line read (descriptions and dependency lists can be long). */
const MAX_LINE = 8192;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9+._-]{0,127}$/;
const TOKEN = /^[\x21-\x7e]{1,256}$/;

function validVersion(v: string): boolean {
  try {
    parseApkVersion(v);
    return true;
  } catch {
    return false;
  }
}

function toRecord(fields: Map<string, string>, line: number): ApkIndexRecord | ApkIndexProblem['reason'] {
  const name = fields.get('P');
  const version = fields.get('V');
  if (name === undefined) return 'missing-name';
  if (version === undefined) return 'missing-version';
  if (!NAME.test(name)) return 'bad-name';
  if (!validVersion(version)) return 'bad-version';
  const rec: ApkIndexRecord = { name, version, line };
  const token = (k: string) => {
    const v = fields.get(k);
    return v !== undefined && TOKEN.test(v) ? v : undefined;
  };
  const int = (k: string) => {
    const v = fields.get(k);
    return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
  };
  const arch = token('A');
  const origin = token('o');
  const checksum = token('C');
  const commit = token('c');
  const size = int('S');
  const buildTime = int('t');
  if (arch !== undefined) rec.arch = arch;
  if (origin !== undefined) rec.origin = origin;
  if (checksum !== undefined) rec.checksum = checksum;
  if (commit !== undefined) rec.commit = commit;
  if (size !== undefined) rec.size = size;
  if (buildTime !== undefined) rec.buildTime = buildTime;
  return rec;
}

/**
 * Parse an APKINDEX: records separated by blank lines, one `X:value` field a line. A record
 * with no or a bad `P:`/`V:`, a line that is no field, a repeated field or an overlong line is
 * skipped and reported with the line it starts on. Never throws on content.
 */
export function parseApkIndex(text: string): ApkIndexParse {
  const out: ApkIndexParse = { records: [], problems: [], problemCount: 0 };
  const lines = text.split('\n');
  let fields = new Map<string, string>();
  let start = 0;
  let broken: ApkIndexProblem['reason'] | undefined;
  const problem = (line: number, reason: ApkIndexProblem['reason'], name?: string) => {
    out.problemCount++;
    if (out.problems.length < MAX_PROBLEMS)
      out.problems.push({ line, reason, ...(name !== undefined && NAME.test(name) ? { name } : {}) });
  };
  const flush = () => {
    if (start > 0 && out.records.length < MAX_RECORDS) {
      const rec = broken ?? toRecord(fields, start);
      if (typeof rec === 'string') problem(start, rec, fields.get('P'));
      else out.records.push(rec);
    }
    fields = new Map();
    start = 0;
    broken = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line === '') {
      flush();
      continue;
    }
    if (start === 0) start = i + 1;
    if (broken) continue;
    if (line.length > MAX_LINE) {
      broken = 'too-long';
      continue;
    }
    const m = /^([A-Za-z]):(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) {
      broken = 'bad-line';
      continue;
    }
    if (fields.has(m[1])) broken = 'duplicate-field';
    else fields.set(m[1], m[2]);
  }
  flush();
  return out;
}
