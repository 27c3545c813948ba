import { compareDebianVersions, splitVersion } from '@patch-factory/debian';
import { expectPositionals } from './args';
import type { Command } from './command';
import { CommandError } from './command-error';
import { safeText } from './terminal-text';

const NAME = 'debian compare-versions';

export const debianCompareVersionsCommand: Command = {
  name: NAME,
  synopsis: '< pairs.txt',
  summary: 'compare Debian versions as dpkg does: one "A B" pair a line on stdin, prints <, = or > (locally, no API)',
  help: [
    'Reads lines "A B" (two Debian versions separated by spaces) from standard input and prints,',
    'for each, "<", "=" or ">" as `dpkg --compare-versions` orders A against B. Blank lines are',
    'skipped. A line that is not two Debian versions prints "error line N: <why>" in its place;',
    'the exit code is then 1.',
  ],
  flags: {},
  async run(args, ctx) {
    expectPositionals(args, [], NAME);
    const lines = (await ctx.stdin()).split('\n');
    if (lines.at(-1) === '') lines.pop();
    const out: string[] = [];
    let bad = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] as string).replace(/\r$/, '');
      if (line.trim() === '') continue;
      const words = line.trim().split(/\s+/);
      const error =
        words.length !== 2
          ? `expected two versions "A B", got ${words.length} word${words.length === 1 ? '' : 's'}`
          : invalidVersion(words);
      if (error) {
        bad++;
        out.push(`error line ${i + 1}: ${safeText(error)}`);
      } else {
        const sign = Math.sign(compareDebianVersions(words[0] as string, words[1] as string));
        out.push(sign < 0 ? '<' : sign > 0 ? '>' : '=');
      }
    }
    if (out.length) ctx.print(...out);
    if (bad)
      throw new CommandError(
        'bad-lines',
        `${bad} line${bad === 1 ? ' is' : 's are'} not two Debian versions (see "error line" above)`,
      );
  },
};

function invalidVersion(words: string[]): string | undefined {
  for (const word of words) {
    try {
      splitVersion(word);
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}
