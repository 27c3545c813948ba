import { deriveWatchTargets, type DerivedTargets } from './catalog-watch-targets';
import type { TrackLocation, WatchTarget } from '@patch-factory/sources';

/** The catalog as the watcher reads it: the default branch's head, and its definitions (path → text). */
export interface CatalogReader {
  head(): Promise<string | undefined>;
  definitions(): Promise<ReadonlyMap<string, string>>;
}

/** The targets now, and whether they differ from the ones before (schedulers to add or remove). */
export interface TargetsNow {
  targets: readonly WatchTarget[];
  changed: boolean;
}

/** How often the catalog's head is looked at, at most. */
export const CATALOG_CHECK_MS = 60_000;

/**
 * The watch targets, kept in step with the catalog: the watch list's explicit targets
 * (advisory feeds) plus the targets derived from the definitions' `track:` entries, derived
 * again whenever the default branch's head has moved (looked at once per CATALOG_CHECK_MS at
 * most, one look at a time). A catalog that cannot be read keeps the targets of the last good
 * read (and is tried again next time); problems go to `report`.
 */
export class WatchTargetSet {
  private targets: readonly WatchTarget[];
  private head: string | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<TargetsNow> | undefined;
  private fingerprint: string;

  constructor(
    private readonly explicit: readonly WatchTarget[],
    private readonly locations: readonly TrackLocation[],
    private readonly catalog: CatalogReader | undefined,
    private readonly report: (problems: DerivedTargets['problems']) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.targets = explicit;
    this.fingerprint = fingerprintOf(explicit);
  }

  /** The targets now (the catalog looked at when due, or when `force`). */
  current(force = false): Promise<TargetsNow> {
    if (!this.catalog || (!force && this.now() - this.checkedAt < CATALOG_CHECK_MS))
      return Promise.resolve({ targets: this.targets, changed: false });
    this.inFlight ??= this.refresh(this.catalog).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async refresh(catalog: CatalogReader): Promise<TargetsNow> {
    this.checkedAt = this.now();
    let head: string | undefined;
    let files: ReadonlyMap<string, string>;
    try {
      head = await catalog.head();
      if (head !== undefined && head === this.head) return { targets: this.targets, changed: false };
      files = await catalog.definitions();
    } catch (error) {
      this.report([
        {
          file: '(catalog)',
          message: `not readable, the targets of the last good read are kept: ${(error as Error).message.split('\n')[0] ?? ''}`,
        },
      ]);
      return { targets: this.targets, changed: false };
    }
    const derived = deriveWatchTargets(files, this.locations);
    const keys = new Set(this.explicit.map((t) => t.key));
    const problems = [...derived.problems];
    const targets = [...this.explicit];
    for (const t of derived.targets) {
      if (keys.has(t.key))
        problems.push({
          file: '(watch list)',
          message: `the explicit target ${t.key} is also a definition's track: entry; the explicit one is kept`,
        });
      else targets.push(t);
    }
    this.report(problems);
    const fingerprint = fingerprintOf(targets);
    const changed = fingerprint !== this.fingerprint;
    this.targets = targets;
    this.fingerprint = fingerprint;
    this.head = head;
    return { targets, changed };
  }
}

function fingerprintOf(targets: readonly WatchTarget[]): string {
  return JSON.stringify(
    [...targets]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((t) => [t.key, t.intervalMs, t.config]),
  );
}
