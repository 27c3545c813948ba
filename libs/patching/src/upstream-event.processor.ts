import { Injectable } from '@nestjs/common';
import type { UpstreamEventJob } from '@patch-factory/contracts';
import { OnJob } from '@patch-factory/queue';
import { UpstreamPlanner } from './upstream-planner.service';

/** The orchestrator's handler of `event.upstream` jobs. */
@Injectable()
export class UpstreamEventProcessor {
  constructor(private readonly planner: UpstreamPlanner) {}

  @OnJob('event.upstream')
  async handle(payload: UpstreamEventJob): Promise<string> {
    const outcome = await this.planner.plan(payload.eventId);
    return `${outcome.requests.length} patch request(s), ${outcome.requests.reduce((n, r) => n + r.runs.length, 0)} run(s), ${outcome.skipped.length} skipped, ${outcome.soaking.length} soaking`;
  }
}
