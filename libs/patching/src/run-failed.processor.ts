import { Injectable } from '@nestjs/common';
import type { RunFailedJob } from '@patch-factory/contracts';
import { OnJob } from '@patch-factory/queue';
import { ReviewReporter } from './review-reporter';

/** The orchestrator's handler of `run.failed`: the failed run's pull request shows why. */
@Injectable()
export class RunFailedProcessor {
  constructor(private readonly reporter: ReviewReporter) {}

  @OnJob('run.failed')
  handle(payload: RunFailedJob): Promise<string> {
    return this.reporter.reportFailure(payload.runId);
  }
}
