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

export const WatchConfigSchema = z.object({ targets: z.array(WatchTargetSchema).max(10_000) }).strict();

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
