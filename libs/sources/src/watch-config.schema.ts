import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * One thing the watcher polls: a source kind with its config (the shape of a definition's
 * `track:` entry), the `ref` its events carry (what the catalog index is asked about) and how
 * often to poll. Most targets are derived from the definitions' own `track:` entries
 * (catalog-watch-targets.ts); the watch list names only what no definition says (advisory
 * feeds). How long a plain update soaks is the `soak` rules' business, not a target's.
 */
export const WatchTargetSchema = z
  .object({
    key: z.string().regex(/^[A-Za-z0-9._:/@-]{1,200}$/, 'expected a key of letters, digits and . _ : / @ -'),
    kind: z.string().regex(/^[a-z_]{1,40}$/),
    ref: z.string().min(1).max(512),
    config: z.record(z.string(), z.unknown()),
    intervalMs: z.number().int().min(1_000).max(86_400_000).default(3_600_000),
    /** Refused with a pointer: one soak mechanism, the `soak` rules (security fixes bypass them). */
    minReleaseAgeMs: z
      .undefined({
        error:
          'a target has no minReleaseAgeMs: hold plain updates back with "soak": [{"definitions": "image/…", "minReleaseAgeMs": …}]',
      })
      .optional(),
  })
  .strict();
export type WatchTarget = z.output<typeof WatchTargetSchema>;

/** The track types the watcher polls (libs/sources' registry); other types (var_increment, file…) are not watched. */
const TRACK_KINDS = [
  'github_release',
  'github_tag',
  'github_repository',
  'git_tags',
  'oci_artifact',
  'alpine_package',
  'debian_package',
] as const;

/**
 * Where to look for the definitions' `track:` entries of one type: what a definition cannot
 * say (a Debian repository, its suite and keyring; an Alpine mirror and keys; a registry) and
 * how often to poll. `with` is merged over each matching entry (the operator's fields win);
 * every location whose `type` and `definitions` prefix match an entry makes one target (two
 * locations: e.g. a suite and its -security suite, each named by `name`).
 */
export const TrackLocationSchema = z
  .object({
    type: z.enum(TRACK_KINDS),
    definitions: z
      .string()
      .regex(/^image\/[A-Za-z0-9._/+@-]{0,500}$/, 'expected a catalog path prefix such as image/ or image/redis/')
      .default('image/'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,40}$/, 'expected a short name of letters, digits, ".", "_" or "-"')
      .optional(),
    with: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'expected a track field name'), z.unknown())
      .default({}),
    intervalMs: z.number().int().min(1_000).max(86_400_000).default(3_600_000),
  })
  .strict();
export type TrackLocation = z.output<typeof TrackLocationSchema>;

/**
 * A minimum release age for the definitions under a path prefix (`image/node/` or one file):
 * a plain update is planned for them only once the new version is that old. Security fixes
 * (events of advisories) are not held back. The longest matching prefix wins.
 */
export const SoakRuleSchema = z
  .object({
    definitions: z
      .string()
      .regex(/^image\/[A-Za-z0-9._/+@-]{0,500}$/, 'expected a catalog path prefix such as image/node/'),
    minReleaseAgeMs: z
      .number()
      .int()
      .min(0)
      .max(90 * 86_400_000),
  })
  .strict();
export type SoakRule = z.infer<typeof SoakRuleSchema>;

export const WatchConfigSchema = z
  .object({
    /** Sources no definition tracks (advisory feeds). */
    targets: z.array(WatchTargetSchema).max(10_000).default([]),
    /** Where the definitions' own `track:` entries are looked up. */
    tracks: z.array(TrackLocationSchema).max(1_000).default([]),
    soak: z.array(SoakRuleSchema).max(10_000).default([]),
  })
  .strict();
export type WatchConfig = z.output<typeof WatchConfigSchema>;

/** The minimum release age of a definition under the soak rules (0: none). */
export function soakOf(rules: readonly SoakRule[], file: string): number {
  let best: SoakRule | undefined;
  for (const r of rules)
    if (file.startsWith(r.definitions) && (!best || r.definitions.length > best.definitions.length)) best = r;
  return best?.minReleaseAgeMs ?? 0;
}

/** Reads the soak rules of the watch list (PF_WATCH_CONFIG); none without one. */
export function loadSoakRules(path: string | undefined): SoakRule[] {
  return loadWatchConfig(path).soak;
}

/** Reads and validates the watch list's explicit targets (PF_WATCH_CONFIG); a bad file names the offending target. */
export function loadWatchTargets(path: string | undefined): WatchTarget[] {
  return loadWatchConfig(path).targets;
}

/** Reads and validates the watch list (PF_WATCH_CONFIG); a bad file names the offending entry. None: an empty list. */
export function loadWatchConfig(path: string | undefined): WatchConfig {
  if (!path) return { targets: [], tracks: [], soak: [] };
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
  return parsed.data;
}
