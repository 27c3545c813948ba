import { Injectable } from '@nestjs/common';
import type { PlanningBatchJob } from '@patch-factory/contracts';
import { EventPlanningQueue, JobProducer, OnJob } from '@patch-factory/queue';

/** The orchestrator's handler of `event.planning-batch` jobs: the next batch of an advisory's events on the planning lane. */
@Injectable()
export class PlanningBatchProcessor {
  constructor(private readonly producer: JobProducer) {}

  @OnJob('event.planning-batch')
  async handle(payload: PlanningBatchJob): Promise<string> {
    const step = await new EventPlanningQueue(this.producer).continueBatch(payload.batch, payload.offset);
    return `${step.jobIds.length} planning job(s) from ${payload.offset}${step.next ? `, next ${step.next}` : ', last batch'}`;
  }
}
