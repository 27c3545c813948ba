import { BuilderErrorCode, builderTerminal, shown } from '../builder-errors';

/** One member of an `ar` archive (the container of a .deb). */
export interface ArMember {
  name: string;
  data: Buffer;
}

const MAGIC = '!<arch>\n';
const HEADER = 60;
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,15}$/;
const MAX_MEMBERS = 16;

/**
 * Reads a (System V / GNU, short-name) `ar` archive. Member names are checked (no paths, no
 * GNU long-name tables), sizes are decimal and within the buffer, at most 16 members, no
 * name twice. Throws `build-deb-invalid` naming `what` and the problem.
 */
export function readAr(buf: Buffer, what: string): ArMember[] {
  const bad = (why: string) =>
    builderTerminal(BuilderErrorCode.debInvalid, `${what} is not a valid .deb (ar archive): ${why}; download it again`);
  if (buf.length < MAGIC.length || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw bad('no "!<arch>" magic');
  const members: ArMember[] = [];
  const seen = new Set<string>();
  let pos = MAGIC.length;
  while (pos < buf.length) {
    if (buf.length - pos === 1 && buf[pos] === 0x0a) break; // trailing padding
    if (buf.length - pos < HEADER) throw bad(`truncated member header at byte ${pos}`);
    const header = buf.toString('latin1', pos, pos + HEADER);
    if (header.slice(58, 60) !== '`\n') throw bad(`member header at byte ${pos} has no end marker`);
    let name = header.slice(0, 16).trimEnd();
    if (name.endsWith('/')) name = name.slice(0, -1);
    if (!NAME.test(name)) throw bad(`member name "${shown(name, 20)}" is not allowed`);
    if (seen.has(name)) throw bad(`member ${name} appears twice`);
    seen.add(name);
    const sizeText = header.slice(48, 58).trim();
    if (!/^\d{1,10}$/.test(sizeText)) throw bad(`member ${name} has size "${shown(sizeText, 12)}"`);
    const size = Number(sizeText);
    const start = pos + HEADER;
    if (size > buf.length - start)
      throw bad(`member ${name} claims ${size} bytes but only ${buf.length - start} remain`);
    members.push({ name, data: buf.subarray(start, start + size) });
    if (members.length > MAX_MEMBERS) throw bad(`more than ${MAX_MEMBERS} members`);
    pos = start + size + (size % 2);
  }
  return members;
}
