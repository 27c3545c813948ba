import { TerminalError } from '@patch-factory/contracts';
import { branchForgeProvider } from './branch/branch.adapter';
import type { Forge } from './forge';
import { ForgeErrorCode } from './forge-errors';
import type { ForgeDeps, ForgeProvider } from './forge-provider';
import { githubForgeProvider } from './github/github.adapter';

/** Every forge provider by name: adding one is a folder and a line here. */
export const FORGE_PROVIDERS = {
  github: githubForgeProvider,
  branch: branchForgeProvider,
} as const satisfies Record<string, ForgeProvider<unknown>>;

export type ForgeProviderName = keyof typeof FORGE_PROVIDERS;

/**
 * Build the configured forge: `config.provider` picks the registry entry, which validates the
 * rest of `config`. Throws TerminalError(forge-unknown-provider / forge-invalid-config).
 */
export function createForge(config: unknown, deps: ForgeDeps): Forge {
  const name = typeof config === 'object' && config !== null ? (config as { provider?: unknown }).provider : undefined;
  if (typeof name !== 'string' || !Object.hasOwn(FORGE_PROVIDERS, name)) {
    throw new TerminalError(
      ForgeErrorCode.unknownProvider,
      `the forge provider ${JSON.stringify(String(name)).slice(0, 40)} is unknown: expected one of ${Object.keys(FORGE_PROVIDERS).join(', ')}`,
    );
  }
  const provider = FORGE_PROVIDERS[name as ForgeProviderName] as ForgeProvider<unknown>;
  return provider.create(provider.parseConfig(config), deps);
}
