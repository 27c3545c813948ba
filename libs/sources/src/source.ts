import type { SecuritySuiteMark } from '@patch-factory/contracts';

/** One version seen at a source. */
export interface Observation {
  /** Where it was seen: `owner/repo` on GitHub, the remote URL (without credentials) for git. */
  ref: string;
  /** The version the track's `match` extracted (a bounded, printable, version-like string). */
  version: string;
  /** Content digest, for sources that have one (OCI). */
  digest?: string;
  /** The commit the version points at, when the source knows it. */
  commit?: string;
  /** When it was published (ms since the epoch), when the source says. */
  publishedAt?: number;
  /** Published in a security suite (Debian's `bookworm-security`): a security update (see securitySuiteMarkOf). */
  security?: SecuritySuiteMark;
  /** What each variable named by the track's `set` takes for this version. */
  vars: Record<string, string>;
}

/** What a source remembers between polls (e.g. ETags) — persisted by the caller as JSON. */
export type SourceState = Record<string, string>;

/** Why an upstream value was dropped (stable kebab-case). */
export type RejectReason =
  | 'not-a-string'
  | 'too-long'
  | 'control-character'
  | 'unsafe-characters'
  | 'not-a-version'
  | 'commit-unknown'
  | 'set-match-failed';

/** An upstream value that was dropped; `value` is quoted for display (escaped, at most 60 characters). */
export interface Rejection {
  value: string;
  reason: RejectReason;
}

/** The outcome of one poll. */
export interface PollResult {
  /** Versions seen in the listings that changed since `state` (none when nothing changed). */
  observations: Observation[];
  /** The state to persist and pass to the next poll. */
  state: SourceState;
  /** requests answered 304 */
  notModified: number;
  /** Hostile or unusable upstream values, dropped (at most MAX_REJECTIONS). */
  rejected: Rejection[];
}

/**
 * A place upstream versions come from (a DHI `track:` entry type). Implementations hold no
 * business logic: they list, screen and extract; the caller decides what is new.
 */
export interface Source<C> {
  /** The `type` of the track entries it serves (e.g. `github_release`). */
  readonly kind: string;
  /** Validate a track entry; throws TerminalError(source-invalid-config) naming the field. */
  parseConfig(raw: unknown): C;
  /**
   * List the versions now at the source. Throws RetryableError when the source may answer
   * later (rate limit, outage) and TerminalError when the config cannot work (404, bad auth).
   * Never throws because of upstream data: such values go to `rejected`.
   */
  poll(config: C, state: SourceState, signal: AbortSignal): Promise<PollResult>;
}

/** What sources need from the process (read once from config by the caller). */
export interface SourceDeps {
  github?: {
    /** A token (read access is enough); without one, GitHub's anonymous limit applies. */
    token?: string;
    /** REST API root (default https://api.github.com). */
    baseUrl?: string;
    /** Per-request timeout (default 30 s). */
    requestTimeoutMs?: number;
  };
  git?: {
    /** Timeout of one `git ls-remote` (default 60 s). */
    timeoutMs?: number;
  };
}

/** Makes a source from the process's dependencies. */
export type SourceFactory = (deps: SourceDeps) => Source<unknown>;
