import { Inject, Injectable } from '@nestjs/common';
import { runOutRoot } from '@patch-factory/catalog-access';
import { CONFIG, type Env } from '@patch-factory/config';
import { ErrorCode, TerminalError } from '@patch-factory/contracts';
import type { StageContext, StageExecutor, StageResult } from '@patch-factory/pipeline';
import { ReleaseRepository } from '@patch-factory/store';
import { EventPublisher } from './event-publisher';
import { runEvents } from './run-events';
import { WebhookSettings } from './webhook-settings';

/**
 * The notify stage: the run's outcome into events (image.published or image.updated when its
 * promotion moved a tag, pr.opened and pr.merged for its pull request), each published once
 * (stored by its deterministic id, then fanned out to the matching subscriptions by the
 * notifier's `webhook.fan-out` job). The run then ends `succeeded`: deliveries go on by
 * themselves, with their own retries, and never hold a run open.
 */
@Injectable()
export class NotifyExecutor implements StageExecutor<'notify'> {
  constructor(
    private readonly releases: ReleaseRepository,
    private readonly publisher: EventPublisher,
    private readonly settings: WebhookSettings,
    @Inject(CONFIG) private readonly config: Env,
  ) {}

  async execute(ctx: StageContext<'notify'>): Promise<StageResult<'notify'>> {
    const run = await ctx.loadRun();
    if (!run) throw new TerminalError(ErrorCode.runNotFound, `run ${ctx.runId} is not stored`);
    const imageEvent = await this.releases.event(`${ctx.runId}:promote`);
    const events = await runEvents(run, imageEvent, { source: this.settings.source, outRoot: runOutRoot(this.config) });
    for (const event of events) await this.publisher.publish(event);
    ctx.logger.info({ events: events.map((e) => e.type) }, 'run events published');
    return {
      artifacts: {
        'notify.events':
          events.length === 0
            ? 'none (no tag moved, no pull request)'
            : events.map((e) => e.type.replace('dev.patch-factory.', '')).join(', '),
        ...(events.length > 0 ? { 'notify.event-ids': events.map((e) => e.id).join(',') } : {}),
      },
    };
  }
}
