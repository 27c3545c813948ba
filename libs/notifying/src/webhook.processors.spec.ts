import { newRunId } from '@patch-factory/pipeline';
import { RunRepository } from '@patch-factory/store';
import { imageEvent, TestNotifier } from './notifier.fixture';
import { WebhookProcessors } from './webhook.processors';
import { startTestReceiver, type TestReceiver } from './webhook-receiver.fixture';

/** The notifier's job handlers: `webhook.run-failed` makes one `pipeline.failed` per failed run, delivered like any event. */
describe('WebhookProcessors (real Redis + BullMQ + a local receiver)', () => {
  let n: TestNotifier;
  let r: TestReceiver;
  let runs: RunRepository;
  let processors: WebhookProcessors;

  beforeEach(async () => {
    n = TestNotifier.start();
    r = await startTestReceiver({ strict: true });
    runs = new RunRepository(n.parts.redis, n.parts.prefix);
    const p = n.parts;
    processors = new WebhookProcessors(p.fanOut, p.worker, p.publisher, runs, p.settings);
  });

  afterEach(async () => {
    await n.close();
    await r.close();
  });

  it('announces a failed run once as pipeline.failed, and nothing for a run that did not fail', async () => {
    const s = await n.createSubscription(r.url, 'team-a', { eventTypes: ['pipeline.failed'] });
    r.secrets = [s.secret];
    const runId = newRunId();
    await runs.create({
      id: runId,
      definition: 'image/redis/debian-13/8.yaml',
      trigger: { kind: 'manual' },
      stages: ['build'],
      now: Date.now(),
    });
    expect(await processors.runFailed({ v: 1, runId })).toMatch(/no pipeline.failed/);
    await runs.startStage(runId, 'build');
    await runs.failRun(runId, 'build', 'build-failed', 'step 3 failed:\nexit 1');
    const outcome = await processors.runFailed({ v: 1, runId });
    await processors.runFailed({ v: 1, runId });
    await n.drain();
    expect(outcome).toMatch(new RegExp(`pipeline.failed .* for run ${runId}`));
    expect(r.received).toHaveLength(1);
    const [d] = r.received;
    expect(d).toMatchObject({ eventType: 'dev.patch-factory.pipeline.failed', signedBy: [true], cloudEvent: true });
    expect((JSON.parse(d?.body ?? '{}') as { data: unknown }).data).toMatchObject({
      runId,
      stage: 'build',
      code: 'build-failed',
      reason: 'step 3 failed: exit 1',
    });
    // The subscription's type filter keeps image events away.
    await n.publish(imageEvent(1));
    expect(r.received).toHaveLength(1);
  });
});
