/**
 * Text for XML 1.0 documents from hostile input: the characters XML 1.0 forbids (C0 controls
 * but tab, LF and CR; lone surrogates; U+FFFE, U+FFFF) and those it discourages (DEL and the C1
 * controls) are removed, then `& < > " '` are escaped. Escaping `>` also takes care of `]]>`.
 * No CDATA sections are ever written.
 */
export function xmlText(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) continue;
    if (c >= 0x7f && c <= 0x9f) continue;
    if ((c >= 0xd800 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) continue;
    switch (ch) {
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      case '"':
        out += '&quot;';
        break;
      case "'":
        out += '&apos;';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/** At most `max` characters of `text` (code points), then `…`. */
export function bounded(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
}
