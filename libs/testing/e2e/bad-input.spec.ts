import { Queue } from 'bullmq';
import { MAX_PAYLOAD_BYTES, QueueName, type DeadLetterPayload } from '@patch-factory/contracts';
import { RUN_STAGES } from '@patch-factory/pipeline';
import { BackboneFixture, waitFor, type ApiClient } from '../src';

type Entry = DeadLetterPayload & { id: string };

describe('bad input is rejected with a clear error and nothing is lost', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn', PF_DLQ_SWEEP_MS: '500' });
  let api: ApiClient;
  let build: Queue;

  beforeAll(async () => {
    api = await fx.startApi();
    await fx.startWorker(RUN_STAGES);
    build = new Queue(QueueName.build, { connection: fx.redis, prefix: fx.prefix });
  }, 120_000);
  afterAll(async () => {
    await build.close();
    await fx.close();
  }, 60_000);

  it('a worker dead-letters malformed, unknown and oversized jobs (put there by hand) with their reasons and data', async () => {
    const runId = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';
    await build.add(
      'stage.build',
      { v: 1, runId: 'not-a-run-id', definition: '../../etc/passwd' },
      { jobId: 'malformed' },
    );
    await build.add('stage.bogus', { v: 1, runId, definition: 'a/b.yaml' }, { jobId: 'unknown' });
    await build.add('stage.test', { v: 1, runId, definition: 'a/b.yaml' }, { jobId: 'wrong-queue' });
    const huge = { v: 1, runId, definition: 'a/b.yaml', pad: 'x'.repeat(MAX_PAYLOAD_BYTES + 1) };
    await build.add('stage.build', huge, { jobId: 'huge' });
    await build.add('stage.build', 'just a string', { jobId: 'string' });

    const entries = await waitFor('five dead letters', async () => {
      const res = await api.request<{ entries: Entry[] }>('GET', '/dead-letters');
      return res.body.entries.length >= 5 ? res.body.entries : undefined;
    });
    const byJob = new Map(entries.map((e) => [e.jobId, e]));
    expect(byJob.get('malformed')).toMatchObject({ errorCode: 'invalid-payload', attemptsMade: 1 });
    expect(byJob.get('malformed')!.failedReason).toMatch(/runId: expected a run id/);
    expect(byJob.get('malformed')!.failedReason).toMatch(/definition: .*"\.\." segments/);
    expect(byJob.get('unknown')).toMatchObject({ errorCode: 'unknown-job', jobName: 'stage.bogus' });
    expect(byJob.get('unknown')!.failedReason).toContain('"stage.bogus" is not a job name');
    expect(byJob.get('wrong-queue')).toMatchObject({ errorCode: 'unknown-job' });
    expect(byJob.get('wrong-queue')!.failedReason).toContain('does not travel on this queue');
    expect(byJob.get('huge')).toMatchObject({ errorCode: 'payload-too-large' });
    expect(byJob.get('string')).toMatchObject({ errorCode: 'invalid-payload' });
    // Nothing is lost: the original data is kept, byte for byte.
    expect(byJob.get('huge')!.data).toEqual(huge);
    expect(byJob.get('string')!.data).toBe('just a string');
    // A replay of a payload that is still invalid is refused and the entry stays.
    const replay = await api.request<{ error: { code: string; message: string } }>(
      'POST',
      `/dead-letters/${byJob.get('malformed')!.id}/replay`,
    );
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('invalid-payload');
    expect((await api.request<{ entries: Entry[] }>('GET', '/dead-letters')).body.entries).toHaveLength(5);
  });

  const hostile: [string, unknown, RegExp][] = [
    ['path traversal', { definition: '../etc/passwd.yaml' }, /"\." or "\.\." segments/],
    ['absolute path', { definition: '/etc/x.yaml' }, /must be relative/],
    ['shell metacharacters', { definition: 'a;rm -rf /.yaml' }, /must be relative|segments of letters/],
    ['command substitution', { definition: 'image/$(x).yaml' }, /segments of letters/],
    ['newline', { definition: 'image/a\nb.yaml' }, /segments of letters/],
    ['look-alike unicode', { definition: 'image/rеdis.yaml' }, /segments of letters/],
    ['too long', { definition: `image/${'a'.repeat(600)}.yaml` }, /longer than 512/],
    ['not yaml', { definition: 'image/redis/debian-12/7.json' }, /\.yaml or \.yml/],
    ['unknown key', { definition: 'a/b.yaml', evil: 1 }, /evil|unrecognized/i],
    ['wrong type', { definition: 42 }, /expected string/],
    ['missing', {}, /definition/],
    ['stages backwards', { definition: 'a/b.yaml', from: 'publish', to: 'build' }, /publish must come before build/],
  ];

  it.each(hostile)('POST /runs refuses %s with 400 naming the problem', async (_what, body, message) => {
    const res = await api.request<{ error: { code: string; message: string } }>('POST', '/runs', body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('refuses a body that is not JSON, or too large, and ids and queries that are malformed', async () => {
    const notJson = await api.request<{ error: { code: string } }>('POST', '/runs', undefined, '{"definition": ');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid-request');
    const big = await api.request<{ error: { code: string } }>(
      'POST',
      '/runs',
      undefined,
      JSON.stringify({ definition: 'a/b.yaml', pad: 'x'.repeat(100_000) }),
    );
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload-too-large');
    expect((await api.request('GET', '/runs/..%2F..%2Fetc')).status).toBe(400);
    expect((await api.request('GET', '/runs/run_00000000000000000000000000')).status).toBe(404);
    expect((await api.request('GET', '/runs?state=exploded')).status).toBe(400);
    expect((await api.request('GET', '/runs?limit=100000')).status).toBe(400);
  });

  it('created no run for any refused request, and a good run still flows', async () => {
    expect(await fx.runs.list()).toEqual([]);
    const id = await api.trigger('image/good/debian-12/1.yaml');
    const [run] = await fx.waitForRuns([id]);
    expect(run!.state).toBe('succeeded');
  });
});
