import type { Env } from '@patch-factory/config';
import { RegistryClient, assertRepositoryName, parseRegistryUrl, type RegistryWriter } from '@patch-factory/oci';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';

/** Where images are published, from the configuration. */
export interface RegistrySettings {
  /** Registry root URL (`https://registry.example.com`). */
  url: string;
  /** `host[:port]`: the prefix of image names (`registry.example.com/examples/redis`). */
  host: string;
  stagingPrefix: string;
  credentials?: { username: string; password: string };
}

/** PF_REGISTRY_URL and friends; throws `registry-not-configured` naming the variable when unset. */
export function registrySettings(config: Env, stage: string): RegistrySettings {
  if (!config.PF_REGISTRY_URL) {
    throw publishingTerminal(
      PublishingErrorCode.registryNotConfigured,
      `the ${stage} stage needs a registry: set PF_REGISTRY_URL (https://host[:port], or http:// to a loopback address)`,
    );
  }
  const url = parseRegistryUrl(config.PF_REGISTRY_URL);
  const credentials =
    config.PF_REGISTRY_USERNAME && config.PF_REGISTRY_PASSWORD
      ? { username: config.PF_REGISTRY_USERNAME, password: config.PF_REGISTRY_PASSWORD }
      : undefined;
  return {
    url,
    host: new URL(url).host,
    stagingPrefix: config.PF_STAGING_PREFIX,
    ...(credentials ? { credentials } : {}),
  };
}

/** A Distribution API client for the settings' registry. */
export function registryWriter(settings: RegistrySettings): RegistryWriter {
  return new RegistryClient({
    registry: settings.url,
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  });
}

/** The staging repository of an image (`staging/examples/redis`). */
export function stagingRepository(settings: RegistrySettings, image: string): string {
  return assertRepositoryName(`${settings.stagingPrefix}/${image}`);
}

/** The staging tag of a run: one per run, so that runs never move each other's images. */
export function stagingTag(runId: string): string {
  return runId
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-')
    .slice(0, 128);
}
