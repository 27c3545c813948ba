import { isRepositoryName } from '@patch-factory/contracts';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const msValue = (min: number) => z.coerce.number().int().min(min).max(86_400_000);
const ms = (def: number, min = 1) => msValue(min).default(def);
/** An override without a default: unset stays undefined, so the job-options table decides (never `.default().optional()`, which zod 4 fills in). */
const msOverride = (min = 1) => msValue(min).optional();

/** Every environment variable the factory reads, with its default. Parsed once at boot. */
export const EnvSchema = z.object({
  PF_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, 'expected redis://host:port[/db] or rediss://…')
    .default('redis://127.0.0.1:6379'),
  PF_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected 1–32 lower-case letters, digits or dashes')
    .default('pf'),
  PF_REDIS_ALLOW_NO_AOF: bool.default(false),
  PF_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  PF_HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Further host names (comma-separated, no ports) the Host header may name besides loopback and PF_HTTP_HOST, e.g. the public name GitHub delivers webhooks to. */
  PF_HTTP_ALLOWED_HOSTS: z
    .string()
    .max(2000)
    .regex(
      /^\s*(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)\s*(?:,\s*(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)\s*)*$/,
      'expected comma-separated host names without ports or schemes, e.g. factory.example.org,10.0.0.5',
    )
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    )
    .default([]),
  /** Requests per minute each API token may make (every replica shares the count); over it: 429 with Retry-After. */
  PF_API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(1200),
  /** Where the first start writes the bootstrap admin token (mode 0600); it is also printed once on stderr. */
  PF_BOOTSTRAP_TOKEN_FILE: z.string().regex(/^\//, 'expected an absolute path').max(1000).optional(),
  /** Entries the audit log keeps (the oldest are trimmed). */
  PF_AUDIT_MAX_ENTRIES: z.coerce.number().int().min(100).max(10_000_000).default(100_000),
  PF_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PF_TRACES_EXPORTER: z.enum(['none', 'otlp', 'file', 'console']).default('none'),
  PF_TRACES_FILE: z.string().min(1).optional(),
  PF_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** Overrides every queue's job lock (default: the job-options table's lockDurationMs of the queue's jobs). */
  PF_LOCK_DURATION_MS: msOverride(500),
  /** Overrides how often workers look for stalled jobs (default: the queue's lock duration). */
  PF_STALLED_INTERVAL_MS: msOverride(500),
  /** Overrides the first retry delay of every job (default: the job-options table's backoff). */
  PF_BACKOFF_DELAY_MS: msOverride(),
  /** How long a job recovered from a stall (a suspected process killer) runs alone in its process before other jobs run beside it again. */
  PF_SUSPECT_ISOLATION_MS: ms(30_000, 100),
  PF_SHUTDOWN_TIMEOUT_MS: ms(25_000),
  PF_PROGRESS_TIMEOUT_MS: ms(300_000),
  PF_DLQ_SWEEP_MS: ms(10_000, 100),
  /** How many events of one advisory go on the planning lane at once; the rest follow batch by batch, behind anything as urgent that arrived meanwhile. */
  PF_ADVISORY_EVENT_BATCH: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Days a finished run (succeeded, failed, superseded) is kept; older ones are deleted with their index entries as new runs are created. */
  PF_RUN_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  /** Dead-letter entries kept at most; beyond, the oldest are dropped (each drop is logged). */
  PF_DEAD_LETTER_MAX: z.coerce.number().int().min(10).max(1_000_000).default(10_000),
  /** Advisory documents (OSV, the scan stage's input) kept at most; beyond, those modified longest ago are dropped (about 2-5 KB each: 200,000 fit in a few hundred MB). */
  PF_ADVISORY_DOCUMENTS_MAX: z.coerce.number().int().min(100).max(10_000_000).default(200_000),
  /** Percent of Redis maxmemory above which health reports memory pressure (Redis refuses writes at 100%: noeviction). */
  PF_REDIS_MEMORY_PRESSURE_PERCENT: z.coerce.number().int().min(1).max(100).default(90),
  /** The secret GitHub signs webhook deliveries with (X-Hub-Signature-256); unset: webhooks are refused. */
  PF_GITHUB_WEBHOOK_SECRET: z.string().min(16, 'expected at least 16 characters').max(256).optional(),
  /** The definitions repository (absolute path, file:///, https:// without credentials, ssh://); unset: plan/patch/review fail with catalog-not-configured. */
  PF_CATALOG_REMOTE: z.string().min(1).max(1000).optional(),
  /** The factory's bare clone of it, one per process (absolute path; default <tmpdir>/patch-factory-catalog-<pid>). */
  PF_CATALOG_WORKDIR: z.string().regex(/^\//, 'expected an absolute path').max(1000).optional(),
  /** The branch patches start from and merge into (default: the remote's HEAD). */
  PF_CATALOG_BRANCH: z.string().min(1).max(255).optional(),
  PF_GIT_AUTHOR_NAME: z.string().min(1).max(100).default('patch-factory'),
  PF_GIT_AUTHOR_EMAIL: z.string().min(3).max(254).default('patch-factory@localhost.localdomain'),
  /** Where patch branches become reviewed changes: `branch` (merge into the default branch) or `github` (pull requests). */
  PF_FORGE: z.enum(['branch', 'github']).default('branch'),
  PF_GITHUB_OWNER: z.string().min(1).max(39).optional(),
  PF_GITHUB_REPO: z.string().min(1).max(100).optional(),
  /** A token with pull-request and contents write access; never logged. */
  PF_GITHUB_TOKEN: z.string().min(1).max(1000).optional(),
  /** The GitHub REST API root (GitHub Enterprise: https://host/api/v3). */
  PF_GITHUB_API_URL: z.string().min(1).max(500).default('https://api.github.com'),
  /** Content-creating GitHub requests per minute (GitHub's secondary limit is 80; GitHub Enterprise Server may lift it). */
  /** Merge a change whose head commit has no checks at all (no status, no check run); default false: no CI, no auto-merge. */
  PF_GITHUB_ALLOW_UNCHECKED: bool.default(false),
  PF_GITHUB_WRITES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(80),
  /** What the watcher cannot read from the definitions' track: entries: a JSON file {"tracks": [where to look], "targets": [advisory feeds], "soak": [rules]}. */
  PF_WATCH_CONFIG: z.string().min(1).max(1000).optional(),
  /** Severity of plain upstream updates, for the auto-merge policy (advisories bring their own). */
  PF_UPDATE_SEVERITY: z.enum(['critical', 'high', 'medium', 'low', 'none']).default('none'),
  /** Where the builder keeps downloaded packages (content-addressed) and build records (default <tmpdir>/patch-factory-build-cache). */
  PF_BUILD_CACHE_DIR: z.string().regex(/^\//, 'expected an absolute path').max(1000).optional(),
  /** Where the build stage writes each run's image layout, build log and package list (default <tmpdir>/patch-factory-builds). */
  PF_BUILD_OUT_DIR: z.string().regex(/^\//, 'expected an absolute path').max(1000).optional(),
  /** The trusted keyrings: a repository's signed-by= names a file here (definitions never bring their own trust). */
  PF_BUILD_KEYRING_DIR: z.string().regex(/^\//, 'expected an absolute path').max(1000).default('/usr/share/keyrings'),
  /** Repository mirrors, JSON {"<URL prefix>": "<replacement>"}: definitions name the public archive, the builder fetches from the mirror. */
  PF_BUILD_MIRRORS: z.string().max(10_000).optional(),
  /** The sandbox of build steps: `auto` (bubblewrap, else chroot as root), `bwrap` or `chroot`. */
  PF_BUILD_SANDBOX: z.enum(['auto', 'bwrap', 'chroot']).default('auto'),
  /** Advisories the scan stage matches images against: a directory of OSV (record, list or {"vulns": […]}) and Debian security tracker JSON files (`*.json`), read at each scan; unset: no advisories, every scan is clean. */
  PF_ADVISORY_DIR: z.string().regex(/^\//, 'expected an absolute path').max(1000).optional(),
  /** The official SPDX 2.3 JSON schema (spdx-schema.json of spdx/spdx-spec v2.3) the scan stage validates SPDX SBOMs with; unset: ../shared/schemas/spdx-2.3/spdx-schema.json beside the repository. Missing: the scan fails with sbom-schema-missing. */
  PF_SPDX_SCHEMA_PATH: z.string().regex(/^\//, 'expected an absolute path').max(1000).optional(),
  /** The signing key of the sign stage: a key URI (`file:///abs/key.pem`, or an absolute path): an ECDSA P-256 PEM readable by its owner only. Read by the signer only, never inside a build sandbox; unset: the sign stage fails with signing-key-missing. */
  PF_SIGNING_KEY: z.string().min(1).max(1000).optional(),
  /** The passphrase of an encrypted PF_SIGNING_KEY; never logged. */
  PF_SIGNING_KEY_PASSPHRASE: z.string().min(1).max(1000).optional(),
  /** The registry images are published to: https://host[:port] (http:// to a loopback address only); unset: publish and promote fail with registry-not-configured. */
  PF_REGISTRY_URL: z.string().min(1).max(500).optional(),
  /** Basic credentials for PF_REGISTRY_URL (or its token server); never logged. */
  PF_REGISTRY_USERNAME: z.string().min(1).max(256).optional(),
  PF_REGISTRY_PASSWORD: z.string().min(1).max(1000).optional(),
  /** Staging images go to `<prefix>/<image>:run-<run id>`; promote points the definition's tags of `<image>` at the same digest. */
  PF_STAGING_PREFIX: z
    .string()
    .max(200)
    .refine(isRepositoryName, 'expected a lowercase repository path like staging (the OCI grammar)')
    .default('staging'),
  /**
   * The keys that seal webhook subscriptions' secrets: `<key id>:<base64 of 32 bytes>[,…]`, the
   * first seals, any opens (never logged). Checked where it is used, by libs/webhooks'
   * parseSecretKey (the notifier and the API): a subscription cannot be made without it.
   */
  PF_WEBHOOK_SECRET_KEYS: z.string().min(1).max(10_000).optional(),
  /** CIDRs (comma-separated) of receivers on premises that webhooks may reach, over http too (checked by libs/webhooks' parseAllowList). */
  PF_WEBHOOK_ALLOW_CIDRS: z.string().max(10_000).optional(),
  /** The CloudEvents `source` of this factory's events (a URI reference); default `urn:patch-factory:<PF_PREFIX>`. */
  PF_WEBHOOK_SOURCE: z.string().min(1).max(500).optional(),
  /** Webhook attempts in flight per notifier, and per endpoint across notifiers (a slow endpoint holds at most that many). */
  PF_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(32),
  PF_WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Serve the Atom feeds of image updates without a token. */
  PF_FEEDS_PUBLIC: bool.default(false),
  /** SOURCE_DATE_EPOCH of built images (every file time and `created`); default 0. */
  SOURCE_DATE_EPOCH: z.coerce.number().int().min(0).max(8_589_934_591).optional(),
});

export type Env = z.infer<typeof EnvSchema>;
