import { TerminalError } from '@patch-factory/contracts';
import { apkIndexUrl, ApkIndexClient, newestRecord, type ConditionalHeaders } from '@patch-factory/alpine';
import { observe, OutcomeCollector } from '../observe';
import { reject } from '../screen-value';
import type { PollResult, Source, SourceDeps, SourceState } from '../source';
import { SourceErrorCode } from '../sources-errors';
import { compileTrack } from '../track-config.schema';
import { parseAlpinePackageConfig, type AlpinePackageConfig } from './alpine-package-config.schema';

/**
 * `alpine_package`: the newest version (apk order) of one package in a signed Alpine
 * APKINDEX. The index is read conditionally (ETag / Last-Modified kept in the state): an
 * unchanged index gives no observations. Index failures keep their `apk-*` codes (signature,
 * transport); a package absent from the index is TerminalError(source-not-found).
 */
export class AlpinePackageSource implements Source<AlpinePackageConfig> {
  readonly kind = 'alpine_package';

  constructor(_deps: SourceDeps) {}

  parseConfig(raw: unknown): AlpinePackageConfig {
    return parseAlpinePackageConfig(raw);
  }

  async poll(config: AlpinePackageConfig, state: SourceState, signal: AbortSignal): Promise<PollResult> {
    const url = apkIndexUrl(config.repository);
    const etagKey = `etag:${url}`;
    const lastModifiedKey = `last-modified:${url}`;
    const since: ConditionalHeaders = {};
    if (state[etagKey] !== undefined) since.etag = state[etagKey];
    if (state[lastModifiedKey] !== undefined) since.lastModified = state[lastModifiedKey];
    const res = await new ApkIndexClient(config.keysDir).fetch(config.repository, since, signal);
    if (res.notModified) {
      const kept: SourceState = {};
      if (since.etag !== undefined) kept[etagKey] = since.etag;
      if (since.lastModified !== undefined) kept[lastModifiedKey] = since.lastModified;
      return { observations: [], rejected: [], state: kept, notModified: 1 };
    }
    const next: SourceState = {};
    if (res.validators.etag !== undefined) next[etagKey] = res.validators.etag;
    if (res.validators.lastModified !== undefined) next[lastModifiedKey] = res.validators.lastModified;
    const out = new OutcomeCollector();
    for (const p of res.index.problems) {
      if (p.name === config.name)
        out.add({ rejection: reject(`${config.name} (APKINDEX line ${p.line})`, 'not-a-version') });
    }
    const newest = newestRecord(res.index.records, config.name, config.repository.arch);
    if (!newest) {
      if (out.rejected.length > 0) return { observations: [], rejected: out.rejected, state: next, notModified: 0 };
      throw new TerminalError(
        SourceErrorCode.notFound,
        `the package ${config.name} is not in ${url}: check the purl, branch, repo and arch`,
      );
    }
    const publishedAt = newest.buildTime === undefined ? undefined : newest.buildTime * 1000;
    out.add(
      observe(url, compileTrack(undefined, config.set), {
        tag: newest.version,
        ...(publishedAt === undefined ? {} : { publishedAt }),
      }),
    );
    return { observations: out.observations, rejected: out.rejected, state: next, notModified: 0 };
  }
}

/** The registry entry. */
export const alpinePackageSource = (deps: SourceDeps): AlpinePackageSource => new AlpinePackageSource(deps);
