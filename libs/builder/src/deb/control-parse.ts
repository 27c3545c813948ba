import { BuilderErrorCode, builderTerminal, shown } from '../builder-errors';

const FIELD = /^([A-Za-z0-9][A-Za-z0-9_-]*):(.*)$/;

/**
 * Parses a package's `control` file (one deb822 stanza) into its fields; continuation lines
 * are joined with `\n`. Throws `build-deb-invalid` for a line that is not `Field: value`, a
 * field given twice, or a missing Package/Version/Architecture.
 */
export function parseControl(text: string, what: string): Record<string, string> {
  const bad = (why: string) =>
    builderTerminal(BuilderErrorCode.debInvalid, `${what}: the control file ${why}; the package is broken`);
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  let last: string | undefined;
  let lineNo = 0;
  for (const rawLine of text.split('\n')) {
    lineNo++;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') {
      if (last !== undefined) last = undefined;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last === undefined) throw bad(`has a continuation line before any field (line ${lineNo})`);
      fields[last] = `${fields[last] ?? ''}\n${line.trim()}`;
      continue;
    }
    const m = FIELD.exec(line);
    if (!m) throw bad(`line ${lineNo} "${shown(line, 60)}" is not "Field: value"`);
    const [, name = '', value = ''] = m;
    if (Object.prototype.hasOwnProperty.call(fields, name)) throw bad(`gives ${shown(name, 40)} twice`);
    fields[name] = value.trim();
    last = name;
  }
  for (const required of ['Package', 'Version', 'Architecture']) {
    if (!fields[required]) throw bad(`has no ${required} field`);
  }
  return { ...fields };
}
