import type { DebianPackage } from '@patch-factory/debian';

/**
 * A few parsed Packages indexes, keyed by the SHA256 the signed Release gives for the file
 * fetched (so equal key, equal content), least recently used dropped first. Loads of the same
 * key at the same time share one download; a failed load is not kept.
 */
export class ParsedIndexCache {
  private readonly entries = new Map<string, Promise<readonly DebianPackage[]>>();

  constructor(private readonly maxEntries = 4) {}

  /** The cached packages for `sha256`, or those `load` gives (then cached); `hit` says which. */
  async getOrLoad(
    sha256: string,
    load: () => Promise<readonly DebianPackage[]>,
  ): Promise<{ packages: readonly DebianPackage[]; hit: boolean }> {
    const cached = this.entries.get(sha256);
    if (cached !== undefined) {
      this.entries.delete(sha256);
      this.entries.set(sha256, cached);
      return { packages: await cached, hit: true };
    }
    const loading = load().then((packages) => Object.freeze([...packages]));
    this.entries.set(sha256, loading);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    try {
      return { packages: await loading, hit: false };
    } catch (error) {
      if (this.entries.get(sha256) === loading) this.entries.delete(sha256);
      throw error;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The process's cache of parsed indexes, shared by every loadRepositoryIndex. */
export const parsedIndexCache = new ParsedIndexCache();
