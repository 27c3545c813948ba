/** A command split into words, or why it needs a shell. */
export type CommandWords = { ok: true; argv: string[] } | { ok: false; why: string };

/** Characters that mean shell syntax when unquoted: pipes, lists, redirections, expansions, globs. */
const SHELL_SYNTAX = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`', '*', '?', '[', '\n']);

/**
 * Splits a test command into argv for an image without a shell, by a small subset of POSIX
 * shell word rules:
 * - words are separated by spaces and tabs;
 * - `'…'` is literal; `"…"` is literal except `\"` and `\\`; outside quotes `\x` is `x`;
 * - unquoted shell syntax (`| & ; < > ( ) $ \` * ? [`, a newline, a `#` starting a word, a
 *   leading `NAME=value` assignment) is refused rather than passed on literally: such a
 *   command needs a shell, which the image does not have.
 */
export function splitCommandWords(command: string): CommandWords {
  const argv: string[] = [];
  let word: string | undefined;
  let i = 0;
  const refuse = (what: string): CommandWords => ({ ok: false, why: `it uses shell syntax (${what})` });
  while (i < command.length) {
    const c = command[i] ?? '';
    if (c === ' ' || c === '\t') {
      if (word !== undefined) argv.push(word);
      word = undefined;
      i++;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) return { ok: false, why: 'a single quote is not closed' };
      word = (word ?? '') + command.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let text = '';
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j++) {
        const d = command[j] ?? '';
        if (d === '$' || d === '`') return refuse(`${d} inside double quotes`);
        if (d === '\\' && (command[j + 1] === '"' || command[j + 1] === '\\')) text += command[++j] ?? '';
        else text += d;
      }
      if (j >= command.length) return { ok: false, why: 'a double quote is not closed' };
      word = (word ?? '') + text;
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= command.length) return { ok: false, why: 'it ends with a backslash' };
      word = (word ?? '') + (command[i + 1] ?? '');
      i += 2;
    } else if (SHELL_SYNTAX.has(c)) {
      return refuse(c === '\n' ? 'a newline' : `"${c}"`);
    } else if (c === '#' && word === undefined) {
      return refuse('a comment');
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  if (word !== undefined) argv.push(word);
  if (argv.length === 0) return { ok: false, why: 'it is empty' };
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(command.trimStart())) return refuse('a variable assignment');
  return { ok: true, argv };
}
