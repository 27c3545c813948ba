import { Inject, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { QueueName, TerminalError, type WatchPollJob } from '@patch-factory/contracts';
import { JOB_OPTIONS } from '@patch-factory/pipeline';
import { JobProducer, OnJob, bullJobOptions, type JobContext } from '@patch-factory/queue';
import { createAdvisoryFeed, createSource, isAdvisoryFeedKind, type SourceDeps } from '@patch-factory/sources';
import { AdvisoryRepository, PatchRequestRepository, WatchStateRepository } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import { AdvisoryPoller, type FeedFn } from './advisory-poller';
import { WatchPoller, type PollFn, type PollReport } from './watch-poller';
import { loadWatchTargets, type WatchTarget } from './watch-target.schema';

export const WATCH_TARGETS = Symbol('patch-factory.watch-targets');

/** What sources get from the configuration (a GitHub token and API root). */
export function sourceDepsOf(config: Env): SourceDeps {
  return { github: { baseUrl: config.PF_GITHUB_API_URL, ...(config.PF_GITHUB_TOKEN ? { token: config.PF_GITHUB_TOKEN } : {}) } };
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

/** The watcher's `watch.poll` handler: one poll of one configured target (a version source or an advisory feed). */
@Injectable()
export class WatchPollProcessor {
  private readonly poller: WatchPoller;
  private readonly feeds: AdvisoryPoller;

  constructor(
    @Inject(WATCH_TARGETS) private readonly targets: readonly WatchTarget[],
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
    const target = this.targets.find((t) => t.key === payload.target);
    if (!target) throw new TerminalError('watch-target-unknown', `no watch target ${payload.target} in PF_WATCH_CONFIG`);
    const report: PollReport = await (isAdvisoryFeedKind(target.kind) ? this.feeds : this.poller).pollTarget(target, ctx.signal);
    for (const r of report.rejected) this.logger.warn({ target: target.key, value: r.value.slice(0, 120), reason: r.reason }, 'upstream value quarantined');
    if (report.emitted.length) this.logger.info({ target: target.key, versions: report.emitted.map((e) => e.version) }, 'new upstream versions');
    return `${report.emitted.length} new, ${report.known} known, ${report.rejected.length} rejected, ${report.notModified} not modified`;
  }
}

/**
 * One BullMQ job scheduler per target (`every` its interval, started at a random offset so
 * that targets do not poll in step); upserted at boot, so replicas agree and a changed
 * interval takes effect.
 */
@Injectable()
export class WatchScheduler implements OnApplicationBootstrap {
  constructor(
    @Inject(WATCH_TARGETS) private readonly targets: readonly WatchTarget[],
    private readonly producer: JobProducer,
    @Inject(CONFIG) private readonly config: Env,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const queue = this.producer.queue(QueueName.watch);
    const opts = bullJobOptions(JOB_OPTIONS['watch.poll'], this.config.PF_BACKOFF_DELAY_MS);
    for (const t of this.targets) {
      await queue.upsertJobScheduler(
        `watch.${t.key.replace(/[^A-Za-z0-9._-]/g, '.')}`,
        { every: t.intervalMs, startDate: Date.now() + Math.floor(Math.random() * Math.min(t.intervalMs, 60_000)) },
        { name: 'watch.poll', data: { v: 1, target: t.key }, opts },
      );
    }
  }
}

/** The watcher: scheduled polls of the configured sources (PF_WATCH_CONFIG) into upstream events. */
@Module({
  providers: [
    { provide: WATCH_TARGETS, inject: [CONFIG], useFactory: (config: Env) => loadWatchTargets(config.PF_WATCH_CONFIG) },
    WatchPollProcessor,
    WatchScheduler,
  ],
})
export class WatchingModule {}
