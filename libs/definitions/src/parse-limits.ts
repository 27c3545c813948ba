/** Caps on what a catalog file may cost to read: every file is treated as hostile. */
export interface ParseLimits {
  /** Largest file accepted, in bytes. */
  maxBytes: number;
  /** yaml's `maxAliasCount`: how far aliases may expand before the file is refused. */
  maxAliasCount: number;
  /** Deepest nesting of mappings and sequences. */
  maxDepth: number;
  /** Most problems reported for one file; the rest are counted. */
  maxErrors: number;
}

/** 1 MiB (the largest definition of the catalog is 66 KB), 100 aliases, 64 levels, 50 errors. */
export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = {
  maxBytes: 1024 * 1024,
  maxAliasCount: 100,
  maxDepth: 64,
  maxErrors: 50,
};

/** The defaults with the caller's overrides. */
export function parseLimits(overrides: Partial<ParseLimits> = {}): ParseLimits {
  return { ...DEFAULT_PARSE_LIMITS, ...overrides };
}
