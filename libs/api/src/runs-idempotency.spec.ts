import 'reflect-metadata';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Module, type INestApplication } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { ConfigModule, loadConfig } from '@patch-factory/config';
import { queueOfJob } from '@patch-factory/contracts';
import { newRunId, PipelineModule, RUN_ENTRY, RUN_STAGES, STAGE_JOB, stageJobId } from '@patch-factory/pipeline';
import { JobProducer } from '@patch-factory/queue';
import { ApiTokenRepository, RunRepository } from '@patch-factory/store';
import { TelemetryModule } from '@patch-factory/telemetry';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { ApiErrorFilter } from './api-error.filter';
import { RunsController } from './runs.controller';
import { IDEMPOTENCY_TTL_SECONDS, TriggerIdempotency } from './trigger-idempotency';

// POST /runs with an Idempotency-Key, in process on the real store and queues of a test
// prefix: a client's retry (it never heard the 202) gets the first request's run.

const prefix = testPrefix();
let app: INestApplication;
let base: string;
let redis: Redis;
let runs: RunRepository;
/** A trigger-scoped token: the module brings the access guard with PipelineModule. */
let bearer: string;

beforeAll(async () => {
  @Module({
    imports: [
      ConfigModule.forRoot(loadConfig({ PF_PREFIX: prefix, PF_REDIS_URL: sharedRedisUrl() })),
      TelemetryModule.forRoot({ service: 'api-test', logLevel: 'silent' }),
      PipelineModule.forService({ service: 'api-test', stages: [], profile: 'producer' }),
    ],
    controllers: [RunsController],
    providers: [{ provide: APP_FILTER, useClass: ApiErrorFilter }, TriggerIdempotency],
  })
  class RunsTestModule {}
  app = await NestFactory.create(RunsTestModule, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: 1 });
  runs = new RunRepository(redis, prefix);
  bearer = (await new ApiTokenRepository(redis, prefix).create('idempotency-test', ['trigger'], 'test')).token;
});

afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await dropPrefix(sharedRedisUrl(), prefix);
});

async function trigger(
  body: unknown,
  key?: string,
): Promise<{ status: number; body: { runId?: string; error?: { code: string; message: string } } }> {
  const res = await fetch(`${base}/runs`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${bearer}`,
      ...(key !== undefined ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: res.status,
    body: (await res.json()) as { runId?: string; error?: { code: string; message: string } },
  };
}

const uniqueDefinition = () => `image/idem-${Math.random().toString(36).slice(2, 10)}/debian-12/1.yaml`;
const keyOf = () => `key-${Math.random().toString(36).slice(2)}`;
const runsOf = async (definition: string) => (await runs.list({ definition, limit: 100 })).map((r) => r.id);

describe('POST /runs with an Idempotency-Key', () => {
  it('a retry with the same key answers the same run and starts no second one', async () => {
    const definition = uniqueDefinition();
    const key = keyOf();
    const first = await trigger({ definition }, key);
    const retry = await trigger({ definition }, key);
    expect(first.status).toBe(202);
    expect(retry).toEqual({ status: 202, body: first.body });
    expect(await runsOf(definition)).toEqual([first.body.runId]);
  });

  it('concurrent requests with one key agree on one run', async () => {
    const definition = uniqueDefinition();
    const key = keyOf();
    const answers = await Promise.all(Array.from({ length: 8 }, () => trigger({ definition }, key)));
    const ids = new Set(answers.map((a) => a.body.runId));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 8 }, () => 202));
    expect(ids.size).toBe(1);
    expect(await runsOf(definition)).toEqual([...ids]);
  });

  it('different keys, and no key, start a run each time', async () => {
    const definition = uniqueDefinition();
    const a = await trigger({ definition }, keyOf());
    const b = await trigger({ definition }, keyOf());
    const c = await trigger({ definition });
    const d = await trigger({ definition });
    expect(new Set([a.body.runId, b.body.runId, c.body.runId, d.body.runId]).size).toBe(4);
    expect(await runsOf(definition)).toHaveLength(4);
  });

  it('refuses a key reused for a different request', async () => {
    const key = keyOf();
    const first = await trigger({ definition: uniqueDefinition() }, key);
    expect(first.status).toBe(202);
    const other = uniqueDefinition();
    const reused = await trigger({ definition: other }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.error?.code).toBe('idempotency-key-reused');
    expect(reused.body.error?.message).toContain('Idempotency-Key header');
    expect(await runsOf(other)).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['with a space', 'two words'],
    ['too long', 'k'.repeat(256)],
  ])('refuses a key that is %s, naming the header', async (_what, key) => {
    const definition = uniqueDefinition();
    const res = await trigger({ definition }, key);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid-request' });
    expect(res.body.error?.message).toContain('Idempotency-Key header');
    expect(await runsOf(definition)).toEqual([]);
  });

  it('remembers a key for 24 h, hashed under the installation prefix', async () => {
    const key = keyOf();
    expect((await trigger({ definition: uniqueDefinition() }, key)).status).toBe(202);
    const stored = `${prefix}:idempotency:runs:${createHash('sha256').update(key).digest('hex')}`;
    const ttl = await redis.ttl(stored);
    expect(ttl).toBeGreaterThan(IDEMPOTENCY_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(IDEMPOTENCY_TTL_SECONDS);
  });

  it('a key whose first request stopped before creating the run creates it with the reserved id on retry', async () => {
    const definition = uniqueDefinition();
    const key = keyOf();
    const reserved = newRunId();
    // The first request reserved the key, then its process died before the run was written.
    const idempotency = app.get(TriggerIdempotency);
    await idempotency.reserve(key, TriggerIdempotency.fingerprint({ definition }), reserved);
    const retry = await trigger({ definition }, key);
    expect(retry).toMatchObject({ status: 202, body: { runId: reserved } });
    expect(await runsOf(definition)).toEqual([reserved]);
  });

  it('a replay of a run written but never enqueued (the first request died in between) enqueues its first stage', async () => {
    const definition = uniqueDefinition();
    const key = keyOf();
    const reserved = newRunId();
    await app.get(TriggerIdempotency).reserve(key, TriggerIdempotency.fingerprint({ definition }), reserved);
    await runs.create({ id: reserved, definition, trigger: { kind: 'manual' }, stages: RUN_STAGES, now: Date.now() });
    const firstJob = () =>
      app.get(JobProducer).queue(queueOfJob(STAGE_JOB[RUN_ENTRY])).getJob(stageJobId(reserved, RUN_ENTRY));
    expect(await firstJob()).toBeUndefined();
    const retry = await trigger({ definition }, key);
    expect(retry).toMatchObject({ status: 202, body: { runId: reserved } });
    expect(await (await firstJob())?.getState()).toBe('waiting');
    expect(await runsOf(definition)).toEqual([reserved]);
  });

  it('a refused request frees its key: the corrected request with that key is accepted', async () => {
    const key = keyOf();
    const bad = await trigger({ definition: '../etc/passwd' }, key);
    expect(bad.status).toBe(400);
    const definition = uniqueDefinition();
    const good = await trigger({ definition }, key);
    expect(good.status).toBe(202);
    expect(await runsOf(definition)).toEqual([good.body.runId]);
  });
});

describe('POST /runs and the PatchRequest a run belongs to', () => {
  it('starts only manual runs: a caller cannot name an upstream or advisory trigger and attach its run to a PatchRequest', async () => {
    const definition = uniqueDefinition();
    for (const kind of ['upstream', 'advisory']) {
      const res = await trigger({ definition, trigger: { kind, ref: 'pr-of-someone-else' } });
      expect({ kind, status: res.status, coded: typeof res.body.error?.code }).toEqual({
        kind,
        status: 400,
        coded: 'string',
      });
      expect(res.body.error?.message).toContain('trigger.kind');
    }
    expect((await trigger({ definition, trigger: { kind: 'manual', ref: 'x', extra: 1 } })).status).toBe(400);
    expect(await runsOf(definition)).toEqual([]);
    const manual = await trigger({ definition, trigger: { kind: 'manual', ref: 'ticket OPS-12' } });
    expect(manual.status).toBe(202);
    expect((await runs.get(manual.body.runId as string))?.trigger).toEqual({ kind: 'manual', ref: 'ticket OPS-12' });
  });
});
