/** One binary package of a Packages index (deb822 field names). */
export interface DebianPackage {
  Package: string;
  Version: string;
  Architecture: string;
  /** `name` or `name (version)` when the source version differs. */
  Source?: string;
  Filename?: string;
  Size?: number;
  SHA256?: string;
  Depends?: string;
  'Pre-Depends'?: string;
  Provides?: string;
  'Multi-Arch'?: string;
  /** Packages that may not be installed beside this one (relation list, like Depends). */
  Conflicts?: string;
  /** Packages this one breaks (relation list); an image holds no broken pair either. */
  Breaks?: string;
  /** `yes` for a package dpkg treats as essential. */
  Essential?: string;
  /** `required`, `important`, `standard`, `optional` or `extra`, as the index gives it. */
  Priority?: string;
  /** The line the stanza starts on (1-based). */
  line: number;
}

/** A stanza that was skipped, and why. */
export interface StanzaProblem {
  /** The line the problem is on (1-based). */
  line: number;
  /** The line the stanza starts on. */
  stanzaLine: number;
  reason: string;
}

export interface ParsedPackages {
  packages: DebianPackage[];
  /** Skipped stanzas (at most `maxProblems`; `problemCount` counts them all). */
  problems: StanzaProblem[];
  problemCount: number;
}

/** Optional fields copied as they are (trimmed, folded lines joined with `\n`). */
const TEXT_FIELDS = [
  'Source',
  'Filename',
  'SHA256',
  'Depends',
  'Pre-Depends',
  'Provides',
  'Multi-Arch',
  'Conflicts',
  'Breaks',
  'Essential',
  'Priority',
] as const;
type Kept = 'Package' | 'Version' | 'Architecture' | 'Size' | (typeof TEXT_FIELDS)[number];
const KEPT = new Set<string>(['Package', 'Version', 'Architecture', 'Size', ...TEXT_FIELDS]);

const NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^(?:\d+:)?[0-9][A-Za-z0-9.+~:-]*$/;
const ARCH = /^[a-z0-9][a-z0-9-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;
const SIZE = /^\d{1,15}$/;
const FILENAME = /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9._+~%@:/-]+$/;
const FIELD = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Parses a Packages index: one package per stanza, stanzas separated by blank lines. A
 * malformed stanza (a line that is not `Field: value`, a field given twice, a missing or
 * invalid Package/Version/Architecture, a bad Size/SHA256/Filename) is skipped and reported
 * with its line; the parser never throws on the content.
 */
export function parsePackages(text: string, opts: { maxProblems?: number } = {}): ParsedPackages {
  const maxProblems = opts.maxProblems ?? 1000;
  const packages: DebianPackage[] = [];
  const problems: StanzaProblem[] = [];
  let problemCount = 0;
  let fields: Partial<Record<Kept, string>> | undefined;
  let stanzaLine = 0;
  let bad: { line: number; reason: string } | undefined;
  let last: Kept | undefined;
  let lastKnown = false;
  let lineNo = 0;
  let pos = 0;
  const end = text.length;

  const finish = () => {
    if (fields === undefined) return;
    const problem = bad ?? check(fields, stanzaLine);
    if (problem) {
      problemCount++;
      if (problems.length < maxProblems) problems.push({ line: problem.line, stanzaLine, reason: problem.reason });
    } else {
      const pkg = fields as Record<Kept, string | undefined>;
      const out: DebianPackage = {
        Package: pkg.Package as string,
        Version: pkg.Version as string,
        Architecture: pkg.Architecture as string,
        line: stanzaLine,
      };
      for (const name of TEXT_FIELDS) {
        const value = pkg[name];
        if (value !== undefined) out[name] = value;
      }
      if (pkg.Size !== undefined) out.Size = Number(pkg.Size);
      packages.push(out);
    }
    fields = undefined;
    bad = undefined;
    last = undefined;
    lastKnown = false;
  };

  while (pos < end) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = end;
    let stop = nl;
    if (stop > pos && text.charCodeAt(stop - 1) === 13) stop--;
    lineNo++;
    const first = text.charCodeAt(pos);
    if (stop === pos) {
      finish();
    } else if (first === 32 || first === 9) {
      // A continuation line (multi-line field).
      if (fields === undefined) {
        fields = {};
        stanzaLine = lineNo;
        bad = { line: lineNo, reason: 'continuation line before any field' };
      } else if (!lastKnown && bad === undefined) {
        bad = { line: lineNo, reason: 'continuation line before any field' };
      } else if (last !== undefined) {
        fields[last] = `${fields[last] ?? ''}\n${text.slice(pos, stop).trim()}`;
      }
    } else {
      if (fields === undefined) {
        fields = {};
        stanzaLine = lineNo;
      }
      const colon = text.indexOf(':', pos);
      if (colon < 0 || colon >= stop || colon === pos) {
        bad ??= { line: lineNo, reason: `"${shown(text.slice(pos, stop), 60)}" is not "Field: value"` };
        last = undefined;
        lastKnown = false;
      } else {
        const name = text.slice(pos, colon);
        lastKnown = true;
        if (KEPT.has(name)) {
          last = name as Kept;
          if (fields[last] !== undefined) bad ??= { line: lineNo, reason: `field ${name} given twice` };
          fields[last] = text.slice(colon + 1, stop).trim();
        } else {
          last = undefined;
          if (!FIELD.test(name)) bad ??= { line: lineNo, reason: `"${shown(name, 60)}" is not a field name` };
        }
      }
    }
    pos = nl + 1;
  }
  finish();
  return { packages, problems, problemCount };
}

function check(f: Partial<Record<Kept, string>>, line: number): { line: number; reason: string } | undefined {
  const at = (reason: string) => ({ line, reason });
  if (f.Package === undefined) return at('stanza has no Package field');
  if (!NAME.test(f.Package)) return at(`Package "${shown(f.Package, 60)}" is not a Debian package name`);
  if (f.Version === undefined) return at(`package ${f.Package} has no Version field`);
  if (!VERSION.test(f.Version) || f.Version.length > 256)
    return at(`package ${f.Package}: Version "${shown(f.Version, 60)}" is not a Debian version`);
  if (f.Architecture === undefined) return at(`package ${f.Package} has no Architecture field`);
  if (!ARCH.test(f.Architecture))
    return at(`package ${f.Package}: Architecture "${shown(f.Architecture, 40)}" is not an architecture name`);
  if (f.Size !== undefined && !SIZE.test(f.Size))
    return at(`package ${f.Package}: Size "${shown(f.Size, 40)}" is not a byte count`);
  if (f.SHA256 !== undefined && !SHA256.test(f.SHA256)) return at(`package ${f.Package}: SHA256 is not 64 hex digits`);
  if (f.Filename !== undefined && !FILENAME.test(f.Filename))
    return at(`package ${f.Package}: Filename "${shown(f.Filename, 80)}" is not a relative pool path`);
  return undefined;
}
import { shown } from '@patch-factory/contracts';
