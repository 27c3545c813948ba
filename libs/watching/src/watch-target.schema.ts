import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * One thing the watcher polls: a source kind with its config (the shape of a definition's
 * `track:` entry), the `ref` its events carry (what the catalog index is asked about), how
 * often to poll, and the minimum release age (soak time) before a new version is planned.
 */
export const WatchTargetSchema = z
  .object({
    key: z.string().regex(/^[A-Za-z0-9._:/@-]{1,200}$/, 'expected a key of letters, digits and . _ : / @ -'),
    kind: z.string().regex(/^[a-z_]{1,40}$/),
    ref: z.string().min(1).max(512),
    config: z.record(z.string(), z.unknown()),
    intervalMs: z.number().int().min(1_000).max(86_400_000).default(3_600_000),
    minReleaseAgeMs: z.number().int().min(0).max(30 * 86_400_000).default(0),
  })
  .strict();
export type WatchTarget = z.output<typeof WatchTargetSchema>;

/**
 * A minimum release age for the definitions under a path prefix (`image/node/` or one file):
 * a plain update is planned for them only once the new version is that old. Security fixes
 * (events of advisories) are not held back. The longest matching prefix wins.
 */
export const SoakRuleSchema = z
  .object({
    definitions: z.string().regex(/^image\/[A-Za-z0-9._/+@-]{0,500}$/, 'expected a catalog path prefix such as image/node/'),
    minReleaseAgeMs: z.number().int().min(0).max(90 * 86_400_000),
  })
  .strict();
export type SoakRule = z.infer<typeof SoakRuleSchema>;

export const WatchConfigSchema = z.object({ targets: z.array(WatchTargetSchema).max(10_000), soak: z.array(SoakRuleSchema).max(10_000).default([]) }).strict();

/** The minimum release age of a definition under the soak rules (0: none). */
export function soakOf(rules: readonly SoakRule[], file: string): number {
  let best: SoakRule | undefined;
  for (const r of rules) if (file.startsWith(r.definitions) && (!best || r.definitions.length > best.definitions.length)) best = r;
  return best?.minReleaseAgeMs ?? 0;
}

/** Reads the soak rules of the watch list (PF_WATCH_CONFIG); none without one. */
export function loadSoakRules(path: string | undefined): SoakRule[] {
  if (!path) return [];
  loadWatchTargets(path); // the same checks, the same messages
  return WatchConfigSchema.parse(JSON.parse(readFileSync(path, 'utf8'))).soak;
}

/** Reads and validates the watch list (PF_WATCH_CONFIG); a bad file names the offending target. */
export function loadWatchTargets(path: string | undefined): WatchTarget[] {
  if (!path) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`PF_WATCH_CONFIG ${path}: ${(error as Error).message}`);
  }
  const parsed = WatchConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`PF_WATCH_CONFIG ${path}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
  }
  const keys = new Set<string>();
  for (const t of parsed.data.targets) {
    if (keys.has(t.key)) throw new Error(`PF_WATCH_CONFIG ${path}: the target key ${t.key} is used twice`);
    keys.add(t.key);
  }
  return parsed.data.targets;
}
