import { RUN_STAGES } from '@patch-factory/pipeline';
import { ApiClient, BackboneFixture, startProcess, testPrefix } from '@patch-factory/testing';

describe('the all-in-one service with the production executors', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let api: ApiClient;

  beforeAll(async () => {
    const p = await fx.startService('dist/services/all-in-one/src/main.js');
    api = ApiClient.onPort(p.port);
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  it('fails every stage that is not implemented yet with stage-not-implemented, never a fake success', async () => {
    const ids: string[] = [];
    for (const stage of RUN_STAGES) ids.push(await api.trigger(`image/${stage}/debian-12/1.yaml`, { from: stage, to: stage }));
    const runs = await fx.waitForRuns(ids);
    runs.forEach((run, i) => {
      expect(run.state).toBe('failed');
      expect(run.error).toMatchObject({ stage: RUN_STAGES[i], code: 'stage-not-implemented' });
      expect(run.error!.message).toContain(`the ${RUN_STAGES[i]} stage is not implemented yet`);
    });
    const dlq = await api.request<{ entries: { errorCode: string }[] }>('GET', '/dead-letters');
    expect(dlq.body.entries.map((e) => e.errorCode)).toEqual(RUN_STAGES.map(() => 'stage-not-implemented'));
  });

  it('serves its OpenAPI document with every path it answers', async () => {
    const doc = await api.request<{ openapi: string; paths: Record<string, unknown> }>('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths).sort()).toEqual(
      ['/dead-letters', '/dead-letters/{id}/replay', '/health/live', '/health/ready', '/metrics', '/runs', '/runs/{id}', '/webhooks/github'].sort(),
    );
  });
});

describe('a service refuses to start on bad configuration', () => {
  it('exits naming the variable', async () => {
    await expect(
      startProcess('dist/services/builder/src/main.js', { PF_PREFIX: testPrefix(), PF_WORKER_CONCURRENCY: 'many' }, 20_000),
    ).rejects.toThrow(/exited \(78\)[\s\S]*PF_WORKER_CONCURRENCY/);
  });
});
