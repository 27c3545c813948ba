import 'reflect-metadata';
import { Injectable, Module, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@patch-factory/config';
import { JOB_NAMES, type JobName, type StageJobPayload } from '@patch-factory/contracts';
import { StoreModule } from '@patch-factory/store';
import { TelemetryModule } from '@patch-factory/telemetry';
import { sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { OnJob, QueueModule, validateHandlers, type JobOptionsTable, type JobPolicy } from './index';

const policy: JobPolicy = {
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 100 },
  keepCompleted: { ageSeconds: 60, count: 10 },
  keepFailed: { ageSeconds: 60, count: 10 },
  lockDurationMs: 30_000,
  maxStalledCount: 1,
};
const JOB_OPTIONS = Object.fromEntries(JOB_NAMES.map((n) => [n, policy])) as JobOptionsTable;

@Injectable()
class FirstBuildHandler {
  @OnJob('stage.build')
  handle(payload: StageJobPayload): Promise<string> {
    return Promise.resolve(payload.runId);
  }
}

@Injectable()
class SecondBuildHandler {
  @OnJob('stage.build')
  handle(payload: StageJobPayload): Promise<string> {
    return Promise.resolve(payload.definition);
  }
}

function appWith(owns: JobName[], providers: Provider[]) {
  @Module({
    imports: [
      ConfigModule.forRoot(loadConfig({ PF_PREFIX: testPrefix(), PF_REDIS_URL: sharedRedisUrl() })),
      TelemetryModule.forRoot({ service: 'boot-test', logLevel: 'silent' }),
      StoreModule.forRoot(),
      QueueModule.forRoot({ service: 'boot-test', owns, jobOptions: JOB_OPTIONS }),
    ],
    providers,
  })
  class BootTestModule {}
  return NestFactory.createApplicationContext(BootTestModule, { logger: false, abortOnError: false });
}

describe('boot validation of @OnJob handlers', () => {
  it('refuses to start when an owned job has no handler', async () => {
    await expect(appWith(['stage.build', 'stage.test'], [FirstBuildHandler])).rejects.toThrow(
      'service boot-test cannot start: job "stage.test" has no @OnJob handler',
    );
  });

  it('refuses to start when a job has two handlers, naming both', async () => {
    await expect(appWith(['stage.build'], [FirstBuildHandler, SecondBuildHandler])).rejects.toThrow(
      'job "stage.build" has 2 handlers (FirstBuildHandler.handle, SecondBuildHandler.handle)',
    );
  });

  it('refuses a handler for a job the service does not own', async () => {
    await expect(appWith([], [FirstBuildHandler])).rejects.toThrow(
      'FirstBuildHandler.handle handles "stage.build", which this service does not own',
    );
  });

  it('starts with exactly one handler per owned job', async () => {
    const app = await appWith(['stage.build'], [FirstBuildHandler]);
    await app.close();
  });

  it('names every problem at once, including jobs unknown to the contracts', () => {
    expect(() =>
      validateHandlers(
        'svc',
        ['stage.plan', 'stage.patch'],
        [
          { job: 'stage.plan', owner: 'A.x' },
          { job: 'stage.plan', owner: 'B.y' },
          { job: 'stage.nope', owner: 'C.z' },
        ],
      ),
    ).toThrow(
      'service svc cannot start: job "stage.plan" has 2 handlers (A.x, B.y); job "stage.patch" has no @OnJob handler; C.z handles "stage.nope", which is not a job in libs/contracts',
    );
  });
});
