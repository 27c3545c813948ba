/** One deb822 paragraph: field names as written (first occurrence), values with continuation lines joined by `\n`. */
export type Deb822Stanza = Map<string, string>;

export interface Deb822Limits {
  /** Longest field value in bytes (default 1 MiB). */
  maxField?: number;
  /** Most paragraphs (default 100000). */
  maxStanzas?: number;
}

/** Why a deb822 text was refused; the caller names the file. */
export class Deb822Error extends Error {}

const FIELD = /^([!-"$-,.-9;-~][!-9;-~]*):(.*)$/;

/**
 * Parses deb822 text (Debian control files, dpkg's status, DEP-5 copyright files): paragraphs
 * separated by blank lines, `Name: value` fields, continuation lines starting with a space or
 * tab, `#` comment lines skipped. Field names compare case-insensitively: the map keys are
 * lowercased. Throws `Deb822Error` for a NUL byte, a line that is neither field nor
 * continuation, a field given twice in a paragraph, or a field or paragraph count over the limits.
 */
export function parseDeb822(text: string, limits: Deb822Limits = {}): Deb822Stanza[] {
  const maxField = limits.maxField ?? 1024 * 1024;
  const maxStanzas = limits.maxStanzas ?? 100_000;
  if (text.includes('\0')) throw new Deb822Error('it has a NUL byte');
  const stanzas: Deb822Stanza[] = [];
  let current: Deb822Stanza | undefined;
  let last: string | undefined;
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      current = undefined;
      last = undefined;
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!current || last === undefined) throw new Deb822Error(`line ${i + 1} continues no field`);
      const value = `${current.get(last) ?? ''}\n${line.slice(1)}`;
      if (value.length > maxField)
        throw new Deb822Error(`field ${last} (line ${i + 1}) is longer than ${maxField} bytes`);
      current.set(last, value);
      continue;
    }
    const m = FIELD.exec(line);
    if (!m) throw new Deb822Error(`line ${i + 1} is neither a "Field: value" line nor a continuation`);
    const name = (m[1] as string).toLowerCase();
    const value = (m[2] as string).trim();
    if (value.length > maxField)
      throw new Deb822Error(`field ${name} (line ${i + 1}) is longer than ${maxField} bytes`);
    if (!current) {
      if (stanzas.length >= maxStanzas) throw new Deb822Error(`it has more than ${maxStanzas} paragraphs`);
      current = new Map();
      stanzas.push(current);
    }
    if (current.has(name)) throw new Deb822Error(`field ${name} appears twice in one paragraph (line ${i + 1})`);
    current.set(name, value);
    last = name;
  }
  return stanzas;
}
