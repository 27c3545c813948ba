import type { Clock } from './clock';
import type { Forge } from './forge';
import type { ForgeLogger } from './forge-logger';
import type { CatalogWorkspace } from './git/catalog-workspace';

/** What every provider may use besides its own config. */
export interface ForgeDeps {
  /** The factory's clone of the catalog (the branch provider merges with it). */
  workspace: CatalogWorkspace;
  /** Injectable time (rate limits, backoff); default: the real clock. */
  clock?: Clock;
  logger?: ForgeLogger;
}

/**
 * One forge provider: a folder under `libs/forge/src/<name>/` and one line in FORGE_PROVIDERS.
 * `parseConfig` validates the provider's config (throwing TerminalError forge-invalid-config
 * naming the field, never echoing a secret); `create` builds the adapter.
 */
export interface ForgeProvider<C> {
  readonly name: string;
  parseConfig(raw: unknown): C;
  create(config: C, deps: ForgeDeps): Forge;
}
