import { readFileSync } from 'node:fs';
import { BotCaseSchema, refKind, replayLines, type BotCase } from '@patch-factory/definitions';
import { table } from './bench-util';
import { corpusPath } from './corpus-path';

/**
 * `npm run bench:replay` (issue 3): replays the update bot's 800 real commits
 * (../shared/corpus/dhi-bot-updates.jsonl, or BENCH_CASES) through the project's patcher,
 * side by side with the baseline patcher: plain text replacement of each announced
 * variable's old value by its new one. Prints cases/s and the byte-identical counts per
 * category for both. Knob: BENCH_ROUNDS (3, the best round's speed is reported).
 */
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

function baseline(c: BotCase): boolean {
  const changes = c.updates.flatMap((u) => u.vars).filter((v) => v.old !== v.new);
  return Object.values(c.files).every(
    ({ before, after }) => changes.reduce((text, v) => text.split(v.old).join(v.new), before) === after,
  );
}

function main(): void {
  const path = process.env['BENCH_CASES'] ?? corpusPath('dhi-bot-updates.jsonl');
  const lines = readFileSync(path, 'utf8').split('\n');
  const cases = lines.filter((l) => l.trim()).map((l) => BotCaseSchema.parse(JSON.parse(l)));
  let best = { project: Infinity, baseline: Infinity };
  let summary = replayLines(lines);
  const baseHits = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    let t = process.hrtime.bigint();
    summary = replayLines(lines);
    best.project = Math.min(best.project, Number(process.hrtime.bigint() - t) / 1e9);
    t = process.hrtime.bigint();
    baseHits.clear();
    for (const c of cases) {
      const category = [...new Set(c.updates.map((u) => refKind(u.ref)))].sort().join('+');
      if (baseline(c)) baseHits.set(category, (baseHits.get(category) ?? 0) + 1);
    }
    best = { ...best, baseline: Math.min(best.baseline, Number(process.hrtime.bigint() - t) / 1e9) };
  }
  const rows = [...summary.byCategory]
    .sort((a, b) => b[1].total - a[1].total)
    .map(([category, r]) => [category, String(r.total), String(r.identical), String(baseHits.get(category) ?? 0)]);
  const baseTotal = [...baseHits.values()].reduce((a, b) => a + b, 0);
  console.log(
    `replay benchmark: ${path} (${summary.total} cases, ${summary.invalid.length} invalid lines), node ${process.version}`,
  );
  console.log(
    table(
      ['category', 'cases', 'project identical', 'baseline identical'],
      [...rows, ['total', String(summary.total), String(summary.identical), String(baseTotal)]],
    ),
  );
  const target = ['pkg:deb', 'pkg:apk', 'image'];
  const inTarget = [...summary.byCategory].filter(([c]) => c.split('+').every((k) => target.includes(k)));
  const hit = inTarget.reduce((a, [, r]) => a + r.identical, 0);
  const all = inTarget.reduce((a, [, r]) => a + r.total, 0);
  console.log(
    `cases/s: project ${(summary.total / best.project).toFixed(0)}, baseline ${(summary.total / best.baseline).toFixed(0)}, ratio ${(best.baseline / best.project).toFixed(2)}x (best of ${ROUNDS})`,
  );
  console.log(
    `package and image-reference cases: ${hit}/${all} byte-identical (${((100 * hit) / all).toFixed(1)}%, target >= 95%): ${hit / all >= 0.95 ? 'PASS' : 'FAIL'}`,
  );
  console.log(`${summary.identical}/${summary.total} byte-identical`);
}

main();
