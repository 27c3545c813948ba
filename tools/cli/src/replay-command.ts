import { readFileSync } from 'node:fs';
import { replayLines } from '@patch-factory/definitions';
import { expectPositionals } from './args';
import type { Command } from './command';
import { CommandError } from './command-error';
import { safeText } from './terminal-text';

const NAME = 'patch replay';
const MAX_BYTES = 512 * 1024 * 1024;

export const patchReplayCommand: Command = {
  name: NAME,
  synopsis: '<cases.jsonl> [--show-mismatches]',
  summary: "replay an update bot's commits through the patcher and count byte-identical results, locally (no API)",
  help: [
    'Each line of <cases.jsonl> is one commit: {"id", "updates": [{"image", "ref", "file", "vars":',
    '[{"name", "old", "new"}]}], "files": {"<path>": {"before", "after"}}} (the shape of',
    '../shared/corpus/dhi-bot-updates.jsonl). Every variable change of a case is applied to the',
    '"before" of each of its files and compared with "after", byte for byte.',
    'Output: lines that are not a case (with their line numbers), then per category of ref',
    '(pkg:deb, pkg:apk, image, github, url, other, and mixes) "category: identical/total", then',
    'the package and image-reference share, and last "N/M byte-identical".',
    '--show-mismatches also lists each case that differs, with its files.',
  ],
  flags: { 'show-mismatches': 'boolean' },
  run(args, ctx) {
    const [path] = expectPositionals(args, ['cases.jsonl'], NAME) as [string];
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new CommandError(
        'unreadable',
        `cannot read ${safeText(path)}: ${safeText((error as NodeJS.ErrnoException).code ?? String(error))}`,
      );
    }
    if (text.length > MAX_BYTES)
      throw new CommandError('too-large', `${safeText(path)} is larger than ${MAX_BYTES} bytes`);
    const summary = replayLines(text.split('\n'));
    for (const bad of summary.invalid) ctx.print(`line ${bad.line}: not a case: ${safeText(bad.reason)}`);
    if (args.flags.get('show-mismatches') === true) {
      for (const r of summary.results.filter((x) => !x.identical)) {
        ctx.print(
          `mismatch ${safeText(r.id)} [${r.category}]: ${r.error ? safeText(r.error) : r.mismatched.map((f) => safeText(f)).join(', ')}`,
        );
      }
    }
    const rows = [...summary.byCategory].sort((a, b) => b[1].total - a[1].total || (a[0] < b[0] ? -1 : 1));
    for (const [category, row] of rows) ctx.print(`${category}: ${row.identical}/${row.total}`);
    const target = rows.filter(([c]) => c.split('+').every((k) => k === 'pkg:deb' || k === 'pkg:apk' || k === 'image'));
    const hit = target.reduce((n, [, r]) => n + r.identical, 0);
    const all = target.reduce((n, [, r]) => n + r.total, 0);
    if (all > 0) ctx.print(`package and image-reference cases: ${hit}/${all} (${((100 * hit) / all).toFixed(1)}%)`);
    ctx.print(`${summary.identical}/${summary.total} byte-identical`);
    if (summary.total === 0) throw new CommandError('no-cases', `no case in ${safeText(path)}`);
    return Promise.resolve(undefined);
  },
};
