import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  pipelineFailedEvent,
  prOpenedEvent,
  type RunFailedJob,
  type WebhookPrOpenedJob,
  type WebhookDeliverJob,
  type WebhookFanOutJob,
} from '@patch-factory/contracts';
import { OnJob } from '@patch-factory/queue';
import { RunRepository } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryWorker } from './delivery-worker';
import { EventPublisher } from './event-publisher';
import { FanOut } from './fan-out';
import { repositoryOfPullRequest } from './run-events';
import { WebhookSettings } from './webhook-settings';

/** How often each notifier looks for due attempts (retries, postponed ones, claims whose lease ended). */
export const PUMP_INTERVAL_MS = 1_000;

/** The notifier's jobs: fan-out of events, delivery attempts, and `pipeline.failed` for runs that failed. */
@Injectable()
export class WebhookProcessors {
  constructor(
    private readonly fanOutService: FanOut,
    private readonly worker: DeliveryWorker,
    private readonly publisher: EventPublisher,
    private readonly runs: RunRepository,
    private readonly settings: WebhookSettings,
  ) {}

  @OnJob('webhook.fan-out')
  fanOut(payload: WebhookFanOutJob): Promise<string> {
    return this.fanOutService.fanOut(payload.eventId);
  }

  @OnJob('webhook.deliver')
  deliver(payload: WebhookDeliverJob): Promise<string> {
    return this.worker.deliver(payload);
  }

  /** The review stage opened a pull request: `pr.opened` now (its id from the URL: the run's notify stage makes the same one). */
  @OnJob('webhook.pr-opened')
  async prOpened(payload: WebhookPrOpenedJob): Promise<string> {
    const event = prOpenedEvent(
      {
        repository: repositoryOfPullRequest(payload.url),
        number: payload.number,
        url: payload.url,
        patchRequest: payload.patchRequest,
      },
      { source: this.settings.source, at: payload.at },
    );
    await this.publisher.publish(event);
    return `pr.opened ${event.id} for run ${payload.runId}`;
  }

  /** A run failed for good: `pipeline.failed` (one per run; its subject the definition). */
  @OnJob('webhook.run-failed')
  async runFailed(payload: RunFailedJob): Promise<string> {
    const run = await this.runs.get(payload.runId);
    if (run?.state !== 'failed') return `run ${payload.runId} is ${run?.state ?? 'gone'}: no pipeline.failed`;
    const event = pipelineFailedEvent(run, { source: this.settings.source });
    await this.publisher.publish(event);
    return `pipeline.failed ${event.id} for run ${run.id}`;
  }
}

/** Moves due attempts to the workers every PUMP_INTERVAL_MS (in every notifier; claims are atomic). */
@Injectable()
export class DeliveryPump implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly dispatcher: DeliveryDispatcher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), PUMP_INTERVAL_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.dispatcher.pumpDue();
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message },
        'due webhook attempts not dispatched (next tick tries again)',
      );
    } finally {
      this.running = false;
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
