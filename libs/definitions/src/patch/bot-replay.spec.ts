import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { replayLines } from './bot-replay';

const CASES = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-bot-updates.jsonl');

describe('replay of the real update bot (../shared/corpus/dhi-bot-updates.jsonl)', () => {
  const summary = replayLines(readFileSync(CASES, 'utf8').split('\n'));
  const share = (pred: (category: string) => boolean) => {
    let identical = 0;
    let total = 0;
    for (const [category, row] of summary.byCategory) {
      if (!pred(category)) continue;
      identical += row.identical;
      total += row.total;
    }
    return { identical, total };
  };

  it('reads all 800 cases', () => {
    expect(summary.invalid).toEqual([]);
    expect(summary.total).toBe(800);
  });

  it('is byte-identical on at least 95% of the package and image-reference cases', () => {
    const only = (kinds: string[]) => (c: string) => c.split('+').every((k) => kinds.includes(k));
    const packages = share(only(['pkg:deb', 'pkg:apk']));
    const images = share(only(['image']));
    expect(packages.total).toBeGreaterThan(250);
    expect(images.total).toBeGreaterThan(250);
    expect(packages.identical / packages.total).toBeGreaterThanOrEqual(0.95);
    expect(images.identical / images.total).toBeGreaterThanOrEqual(0.95);
  });

  it('reports a line that is not a case with its line number and goes on', () => {
    const first = readFileSync(CASES, 'utf8').split('\n')[0] as string;
    const s = replayLines(['{not json', first, JSON.stringify({ id: 'x', updates: [], files: {} }), '']);
    expect(s.total).toBe(1);
    expect(s.invalid.map((i) => i.line)).toEqual([1, 3]);
    expect(s.invalid[0]?.reason).toMatch(/^not JSON/);
    expect(s.invalid[1]?.reason).toMatch(/^updates: /);
  });

  it('counts a case whose result differs from the bot as not identical, naming the file', () => {
    const c = JSON.parse(readFileSync(CASES, 'utf8').split('\n')[0] as string) as {
      files: Record<string, { before: string; after: string }>;
    };
    const [file] = Object.keys(c.files);
    c.files[file as string]!.after += '# the bot wrote something else\n';
    const s = replayLines([JSON.stringify(c)]);
    expect(s.identical).toBe(0);
    expect(s.results[0]?.mismatched).toContain(file);
  });
});
