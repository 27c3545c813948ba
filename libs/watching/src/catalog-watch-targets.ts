import { isRecord } from '@patch-factory/contracts';
import { createHash } from 'node:crypto';
import { catalogFileKind, loadYamlData } from '@patch-factory/definitions';
import {
  WatchTargetSchema,
  createSource,
  debianPackageOf,
  isSourceKind,
  type SourceKind,
  type TrackLocation,
  type WatchTarget,
} from '@patch-factory/sources';

/** The watch targets the catalog's `track:` entries make, and what could not become one (named by file and entry). */
export interface DerivedTargets {
  targets: WatchTarget[];
  problems: { file: string; message: string }[];
}

/** Most `track:` entries read from one definition. */
const MAX_TRACK_ENTRIES = 64;
/** Track types whose entry says where to look by itself (GitHub is reached through PF_GITHUB_*). */
const SELF_LOCATED: ReadonlySet<SourceKind> = new Set([
  'github_release',
  'github_tag',
  'github_repository',
  'git_tags',
]);
/** The interval of a track no location names. */
const DEFAULT_INTERVAL_MS = 3_600_000;

/**
 * Derives the watch targets from the definitions' own `track:` entries, in the catalog
 * format's own form (`package: pkg:deb/debian/redis-server`, `owner`/`repo`…). What a
 * definition cannot say comes from the watch list's `tracks` locations (a Debian repository,
 * suite and keyring; an Alpine mirror and keys; a registry; the interval): every location of
 * the entry's type whose `definitions` prefix covers the file makes one target, its `with`
 * fields merged over the entry. Entries the sources cannot serve (var_increment, file…) are
 * not watched; an entry the source refuses, or one no location covers, is a problem naming
 * the file and the entry. Definitions tracking the same thing the same way share one target.
 * Never throws.
 */
export function deriveWatchTargets(
  files: ReadonlyMap<string, string>,
  locations: readonly TrackLocation[],
): DerivedTargets {
  const problems: DerivedTargets['problems'] = [];
  const byKey = new Map<string, Map<string, WatchTarget>>();
  for (const file of [...files.keys()].sort()) {
    if (catalogFileKind(file) !== 'definition') continue;
    let doc: unknown;
    try {
      doc = loadYamlData(files.get(file) ?? '');
    } catch (error) {
      problems.push({ file, message: `not readable: ${firstLine(error)}` });
      continue;
    }
    const track = isRecord(doc) ? doc['track'] : undefined;
    if (!Array.isArray(track)) continue;
    track.slice(0, MAX_TRACK_ENTRIES).forEach((entry: unknown, i) => {
      if (!isRecord(entry) || !isSourceKind(entry['type'])) return;
      const kind = entry['type'];
      const where = locations.filter((l) => l.type === kind && file.startsWith(l.definitions));
      if (where.length === 0) {
        if (!SELF_LOCATED.has(kind)) {
          problems.push({
            file,
            message: `track[${i}] (${kind}): no "tracks" location of PF_WATCH_CONFIG covers it (where to look: repository, keys, registry)`,
          });
          return;
        }
        where.push({ type: kind, definitions: 'image/', with: {}, intervalMs: DEFAULT_INTERVAL_MS });
      }
      for (const location of where) {
        const config = { ...entry, ...location.with };
        try {
          createSource(kind).parseConfig(config);
          const base = sanitizeKey(`${kind}:${refOf(kind, config)}${location.name ? `@${location.name}` : ''}`);
          const target = WatchTargetSchema.parse({
            key: base,
            kind,
            ref: refOf(kind, config),
            config,
            intervalMs: location.intervalMs,
          });
          const same = byKey.get(base) ?? new Map<string, WatchTarget>();
          same.set(canonicalJson(config), target);
          byKey.set(base, same);
        } catch (error) {
          problems.push({
            file,
            message: `track[${i}] (${kind})${location.name ? ` at ${location.name}` : ''}: ${firstLine(error)}`,
          });
        }
      }
    });
  }
  const targets: WatchTarget[] = [];
  for (const [key, variants] of byKey) {
    // Definitions that track the same thing differently (another `set:` or `match:`) get one target each.
    for (const [json, t] of variants)
      targets.push(
        variants.size === 1
          ? t
          : { ...t, key: `${key.slice(0, 190)}@${createHash('sha256').update(json).digest('hex').slice(0, 8)}` },
      );
  }
  return { targets, problems };
}

/** What a target's events carry as `ref` (what the catalog index is asked about): a purl, `owner/repo`, a URL or a repository name. */
function refOf(kind: SourceKind, entry: Record<string, unknown>): string {
  const text = (key: string) => (typeof entry[key] === 'string' ? entry[key] : '');
  switch (kind) {
    case 'debian_package':
      return debianPackageOf(text('package')).purl;
    case 'alpine_package':
      return text('package').replace(/[@?#].*$/, '');
    case 'github_release':
    case 'github_tag':
    case 'github_repository':
      return `${text('owner')}/${text('repo')}`;
    case 'git_tags':
      return text('url');
    case 'oci_artifact':
      return text('name');
  }
}

function sanitizeKey(key: string): string {
  return key.replace(/[^A-Za-z0-9._:/@-]/g, '.').slice(0, 200);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    isRecord(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function firstLine(error: unknown): string {
  return ((error as Error).message ?? String(error)).split('\n')[0]?.slice(0, 300) ?? 'invalid';
}
