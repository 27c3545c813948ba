import { PipelineError } from '@patch-factory/contracts';
import { isTag, OciErrorCode, RegistryClient, type DistributionClient } from '@patch-factory/oci';
import { OutcomeCollector, type Outcome } from '../observe';
import { isVersion, reject, screenName } from '../screen-value';
import type { PollResult, Source, SourceDeps, SourceState } from '../source';
import { parseOciArtifactConfig, type OciArtifactConfig } from './oci-artifact-config.schema';
import { asSourceFailure } from './oci-failure';
import { compareVersions } from './tag-version-order';

/** How many of the newest matching tags are resolved to a digest per poll (one HEAD each). */
export const OCI_RESOLVE_LIMIT = 5;

/** A tag that passed screening and `match`. */
interface Candidate {
  tag: string;
  version: string;
  digest?: string;
}

/** Makes the Distribution API client for a registry root (replaceable for other transports). */
export type DistributionClientFactory = (registry: string) => DistributionClient;

/**
 * `oci_artifact`: the tags of one repository of an OCI registry (Distribution API). Tags are
 * screened, then `match` selects them and extracts the version; the newest OCI_RESOLVE_LIMIT
 * (by version order) are resolved to their manifest digest. `set` rules read the version, the
 * tag, the digest or the reference `<name>:<tag>@<digest>` (with `selection: longest`, the
 * default, the longest resolved tag with the same digest); a version whose rules need a digest
 * it does not have (beyond the newest few) is left out, not rejected. Stateless.
 */
export class OciArtifactSource implements Source<OciArtifactConfig> {
  readonly kind = 'oci_artifact';

  constructor(private readonly clientFor: DistributionClientFactory) {}

  parseConfig(raw: unknown): OciArtifactConfig {
    return parseOciArtifactConfig(raw);
  }

  async poll(config: OciArtifactConfig, _state: SourceState, signal: AbortSignal): Promise<PollResult> {
    const client = this.clientFor(config.registry);
    const ref = `${new URL(config.registry).host}/${config.name}`;
    const out = new OutcomeCollector();
    try {
      const listing = await client.listTags(config.name, { signal });
      const candidates: Candidate[] = [];
      for (const raw of listing.tags) {
        const screened = screenName(raw);
        if ('reason' in screened) {
          out.add({ rejection: reject(raw, screened.reason) });
          continue;
        }
        if (!isTag(screened.ok)) {
          out.add({ rejection: reject(raw, 'unsafe-characters') });
          continue;
        }
        const version = config.match.extract(screened.ok);
        if (version === undefined) continue;
        if (!isVersion(version)) {
          out.add({ rejection: reject(screened.ok, 'not-a-version') });
          continue;
        }
        candidates.push({ tag: screened.ok, version });
      }
      candidates.sort((a, b) => compareVersions(b.version, a.version) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
      for (const c of candidates.slice(0, OCI_RESOLVE_LIMIT)) {
        const digest = await resolveOrSkip(client, config.name, c.tag, signal);
        if (digest !== undefined) c.digest = digest;
      }
      for (const c of candidates) out.add(observeTag(ref, config, c, candidates));
    } catch (error) {
      if (signal.aborted) throw error;
      throw asSourceFailure(error);
    }
    return { observations: out.observations, rejected: out.rejected, state: {}, notModified: 0 };
  }
}

/** The digest of `tag`, or undefined when it vanished since the listing (404). */
async function resolveOrSkip(
  client: DistributionClient,
  name: string,
  tag: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    return await client.resolveTag(name, tag, signal);
  } catch (error) {
    if (error instanceof PipelineError && error.code === OciErrorCode.notFound) return undefined;
    throw error;
  }
}

/** The longest resolved tag with the digest of `c` (the most specific equivalent tag). */
function longestEquivalent(c: Candidate, all: Candidate[]): string {
  let best = c.tag;
  for (const o of all) if (o.digest !== undefined && o.digest === c.digest && o.tag.length > best.length) best = o.tag;
  return best;
}

/** Apply the `set` rules to one candidate. */
function observeTag(ref: string, config: OciArtifactConfig, c: Candidate, all: Candidate[]): Outcome {
  const vars: Record<string, string> = {};
  for (const rule of config.set) {
    let from: string | undefined;
    if (rule.value === 'version') from = c.version;
    else if (rule.value === 'tag') from = c.tag;
    else if (c.digest === undefined) return undefined;
    else if (rule.value === 'digest') from = c.digest;
    else from = `${config.name}:${rule.selection === 'longest' ? longestEquivalent(c, all) : c.tag}@${c.digest}`;
    const value = rule.match ? rule.match.extract(from) : from;
    if (value === undefined || value === '') return { rejection: reject(c.tag, 'set-match-failed') };
    const screened = screenName(value);
    if ('reason' in screened) return { rejection: reject(value, screened.reason) };
    vars[rule.var] = screened.ok;
  }
  return { observation: { ref, version: c.version, ...(c.digest === undefined ? {} : { digest: c.digest }), vars } };
}

/** The registry entry. */
export const ociArtifactSource = (_deps: SourceDeps): OciArtifactSource =>
  new OciArtifactSource((registry) => new RegistryClient({ registry }));
