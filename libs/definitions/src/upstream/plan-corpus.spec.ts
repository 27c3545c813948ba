import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '@patch-factory/testing';
import { CatalogIndex } from '../catalog/catalog-index';
import { definitionDeps, type DefinitionDeps } from '../catalog/definition-deps';
import { parseImageRef } from '../catalog/image-ref';
import { refKind, type BotCase } from '../patch/bot-case.schema';
import { patchDefinition } from '../patch/patch-definition';
import { planPatchRequests } from './plan-patch-requests';

const CASES = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-bot-updates.jsonl');

/** The upstream event a bot update answered: its ref, and the new version (and digest) it announced. */
function eventOf(
  caseId: string,
  u: BotCase['updates'][number],
): { ref: string; version: string; digest?: string } | undefined {
  const changed = u.vars.filter((v) => v.old !== v.new);
  if (changed.length === 0) return undefined;
  if (refKind(u.ref) !== 'image') return { ref: u.ref, version: (changed[0] as { new: string }).new };
  const full = changed.map((v) => parseImageRef(v.new)).find((r) => r?.tag);
  if (full?.tag) return { ref: u.ref, version: full.tag, ...(full.digest ? { digest: full.digest } : {}) };
  const digest = changed.find((v) => v.new.startsWith('sha256:'))?.new;
  const version = changed.find((v) => /^\d/.test(v.new))?.new;
  const tail = (u.ref.split(':')[1] ?? '').replace(/^[\d.]+/, '');
  if (!version) throw new Error(`case ${caseId}: no version in ${u.ref}`);
  return { ref: u.ref, version: `${version}${tail}`, ...(digest ? { digest } : {}) };
}

/**
 * The whole orchestrator path on the bot's real cases, from the event rather than from the
 * bot's list of variables: event → affected definitions (index) → variable changes per
 * file → format-preserving patch, compared byte for byte with what the bot committed.
 */
describe('planning upstream events over the bot corpus', () => {
  const stats = new Map<string, { identical: number; total: number }>();
  const lines = readFileSync(CASES, 'utf8').split('\n').filter(Boolean);
  for (const line of lines) {
    const c = JSON.parse(line) as BotCase;
    const kinds = [...new Set(c.updates.map((u) => refKind(u.ref)))];
    if (kinds.length !== 1 || !['pkg:deb', 'pkg:apk', 'image'].includes(kinds[0] as string)) continue;
    const texts = new Map(Object.entries(c.files).map(([f, v]) => [f, v.before]));
    for (const u of c.updates) {
      const e = eventOf(c.id, u);
      if (!e) continue;
      const deps = new Map<string, DefinitionDeps>([...texts].map(([f, t]) => [f, definitionDeps(f, parse(t))]));
      const plan = planPatchRequests(CatalogIndex.build(deps.values()), (f) => deps.get(f), {
        id: `${c.id}:${u.ref}`,
        source: 'bot',
        firstSeenAt: 0,
        ...e,
      });
      for (const request of plan.requests)
        for (const f of request.files)
          texts.set(f.file, patchDefinition(texts.get(f.file) as string, f.changes, f.file).text);
    }
    const row = stats.get(kinds[0] as string) ?? { identical: 0, total: 0 };
    row.total++;
    if (Object.entries(c.files).every(([f, v]) => texts.get(f) === v.after)) row.identical++;
    stats.set(kinds[0] as string, row);
  }

  it.each([
    ['pkg:deb', 0.9],
    ['pkg:apk', 0.85],
    ['image', 0.7],
  ])('reproduces the bot byte for byte on most %s cases (floor %d)', (kind, floor) => {
    const row = stats.get(kind) ?? { identical: 0, total: 0 };
    expect(row.total).toBeGreaterThan(100);
    expect(row.identical / row.total).toBeGreaterThanOrEqual(floor);
  });
});
