import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { TerminalError, type WatchPollJob } from '@patch-factory/contracts';
import { CatalogWorkspace } from '@patch-factory/forge';
import { JOB_OPTIONS } from '@patch-factory/pipeline';
import { JobProducer, OnJob, bullJobOptions, type JobContext } from '@patch-factory/queue';
import {
  createAdvisoryFeed,
  createSource,
  isAdvisoryFeedKind,
  loadWatchConfig,
  loadWatchTargets,
  type SourceDeps,
  type WatchTarget,
} from '@patch-factory/sources';
import { AdvisoryRepository, PatchRequestRepository, WatchStateRepository } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import { AdvisoryPoller, type FeedFn } from './advisory-poller';
import { WatchPoller, type PollFn, type PollReport } from './watch-poller';
import { WatchSchedules } from './watch-schedules';
import { CATALOG_CHECK_MS, WatchTargetSet, type CatalogReader } from './watch-target-set';

export const WATCH_TARGETS = Symbol('patch-factory.watch-targets');

/** What sources get from the configuration (a GitHub token and API root). */
export function sourceDepsOf(config: Env): SourceDeps {
  return {
    github: { baseUrl: config.PF_GITHUB_API_URL, ...(config.PF_GITHUB_TOKEN ? { token: config.PF_GITHUB_TOKEN } : {}) },
  };
}

/** Polls a target with the source its kind names (libs/sources registry). */
export function pollWithRegistry(deps: SourceDeps): PollFn {
  return (target, state, signal) => {
    const source = createSource(target.kind, deps);
    return source.poll(source.parseConfig(target.config), state, signal);
  };
}

/** Reads a target with the advisory feed its kind names (libs/sources ADVISORY_FEEDS). */
export const readWithFeedRegistry: FeedFn = (target, state, signal) => {
  const feed = createAdvisoryFeed(target.kind);
  return feed.read(feed.parseConfig(target.config), state, signal);
};

/** The catalog as the watcher reads it (its own clone, next to the planner's), or none when PF_CATALOG_REMOTE is unset. */
export function catalogReaderOf(config: Env): CatalogReader | undefined {
  if (!config.PF_CATALOG_REMOTE) return undefined;
  const ws = new CatalogWorkspace({
    remoteUrl: config.PF_CATALOG_REMOTE,
    workDir: config.PF_CATALOG_WORKDIR
      ? `${config.PF_CATALOG_WORKDIR}-watcher`
      : join(tmpdir(), `patch-factory-watcher-catalog-${process.pid}`),
    author: { name: config.PF_GIT_AUTHOR_NAME, email: config.PF_GIT_AUTHOR_EMAIL },
    ...(config.PF_CATALOG_BRANCH ? { baseBranch: config.PF_CATALOG_BRANCH } : {}),
    // A private https catalog is read with the same token as the planner's clone, through git's credential protocol only.
    ...(config.PF_GITHUB_TOKEN && config.PF_CATALOG_REMOTE.startsWith('https://')
      ? { httpAuth: { token: config.PF_GITHUB_TOKEN } }
      : {}),
  });
  return { head: async () => ws.branchHead(await ws.baseBranch()), definitions: () => ws.readTree('image') };
}

/** The watcher's `watch.poll` handler: a scheduler's tick becomes a jittered poll; a poll polls one target (a version source or an advisory feed). */
@Injectable()
export class WatchPollProcessor {
  private readonly poller: WatchPoller;
  private readonly feeds: AdvisoryPoller;

  constructor(
    private readonly targets: WatchTargetSet,
    private readonly schedules: WatchSchedules,
    state: WatchStateRepository,
    events: PatchRequestRepository,
    advisories: AdvisoryRepository,
    producer: JobProducer,
    @Inject(CONFIG) config: Env,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.poller = new WatchPoller(pollWithRegistry(sourceDepsOf(config)), state, events, producer);
    this.feeds = new AdvisoryPoller(readWithFeedRegistry, state, events, advisories, producer);
  }

  @OnJob('watch.poll')
  async handle(payload: WatchPollJob, ctx: JobContext): Promise<string> {
    // The catalog's track: entries may have changed since the last poll: keep the schedulers in step.
    const now = await this.targets.current();
    if (now.changed) await syncSchedules(this.schedules, now.targets, this.logger);
    const target = now.targets.find((t) => t.key === payload.target);
    // A tick of a scheduler whose target has just left (another replica removes the scheduler): nothing to poll.
    if (!target && ctx.job.repeatJobKey !== undefined)
      return `no watch target ${payload.target} any more: tick dropped`;
    if (!target)
      throw new TerminalError(
        'watch-target-unknown',
        `no watch target ${payload.target} in PF_WATCH_CONFIG or the catalog's track: entries`,
      );
    if (ctx.job.repeatJobKey !== undefined && ctx.job.id !== undefined) {
      const delay = await this.schedules.jitter(ctx.job.id, target);
      return `poll of ${target.key} in ${delay} ms`;
    }
    const report: PollReport = await (isAdvisoryFeedKind(target.kind) ? this.feeds : this.poller).pollTarget(
      target,
      ctx.signal,
    );
    for (const r of report.rejected)
      this.logger.warn(
        { target: target.key, value: r.value.slice(0, 120), reason: r.reason },
        'upstream value quarantined',
      );
    if (report.emitted.length)
      this.logger.info({ target: target.key, versions: report.emitted.map((e) => e.version) }, 'new upstream versions');
    return `${report.emitted.length} new, ${report.known} known, ${report.rejected.length} rejected, ${report.notModified} not modified`;
  }
}

async function syncSchedules(
  schedules: WatchSchedules,
  targets: readonly WatchTarget[],
  logger: Logger,
): Promise<void> {
  const { added, removed } = await schedules.sync(targets);
  if (added.length || removed.length)
    logger.info({ added: added.length, removed: removed.length, targets: targets.length }, 'watch schedules updated');
}

/**
 * Makes the BullMQ job schedulers match the targets at boot (the schedulers of targets that
 * left the configuration are removed), then looks at the catalog every CATALOG_CHECK_MS and
 * does it again when its track: entries changed.
 */
@Injectable()
export class WatchScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly targets: WatchTargetSet,
    private readonly schedules: WatchSchedules,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const now = await this.targets.current(true);
    await syncSchedules(this.schedules, now.targets, this.logger);
    this.timer = setInterval(() => {
      this.targets
        .current()
        .then((next) => (next.changed ? syncSchedules(this.schedules, next.targets, this.logger) : undefined))
        .catch((error: unknown) => this.logger.warn({ err: (error as Error).message }, 'watch schedules not updated'));
    }, CATALOG_CHECK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** The watcher: scheduled polls of the definitions' track: entries and the watch list's feeds (PF_WATCH_CONFIG) into upstream events. */
@Module({
  providers: [
    { provide: WATCH_TARGETS, inject: [CONFIG], useFactory: (config: Env) => loadWatchTargets(config.PF_WATCH_CONFIG) },
    {
      provide: WatchTargetSet,
      inject: [CONFIG, LOGGER],
      useFactory: (config: Env, logger: Logger) => {
        const watch = loadWatchConfig(config.PF_WATCH_CONFIG);
        return new WatchTargetSet(watch.targets, watch.tracks, catalogReaderOf(config), (problems) => {
          for (const p of problems.slice(0, 100))
            logger.warn({ file: p.file, problem: p.message }, 'track entry not watched');
        });
      },
    },
    {
      provide: WatchSchedules,
      inject: [JobProducer, CONFIG],
      useFactory: (producer: JobProducer, config: Env) =>
        new WatchSchedules(producer, bullJobOptions(JOB_OPTIONS['watch.poll'], config.PF_BACKOFF_DELAY_MS)),
    },
    WatchPollProcessor,
    WatchScheduler,
  ],
})
export class WatchingModule {}
