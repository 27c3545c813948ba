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
    // plan, patch and review are implemented: a manual run (a rebuild as is) has nothing for them to change.
    // build, test and scan are implemented too (see below).
    const IMPLEMENTED = ['plan', 'patch', 'review'];
    const CHECKS_BUILD = ['test', 'scan'];
    const ids: string[] = [];
    for (const stage of RUN_STAGES) ids.push(await api.trigger(`image/${stage}/debian-12/1.yaml`, { from: stage, to: stage }));
    const runs = await fx.waitForRuns(ids);
    runs.forEach((run, i) => {
      const stage = RUN_STAGES[i] as string;
      if (IMPLEMENTED.includes(stage)) {
        expect(run.state).toBe('succeeded');
        expect(run.stages[0]?.artifacts['patch.request']).toMatch(/^none: a manual run/);
        return;
      }
      if (stage === 'build') {
        // Implemented, and it needs the definitions repository to read the definition from: loud without it.
        expect(run.state).toBe('failed');
        expect(run.error).toMatchObject({ stage, code: 'catalog-not-configured' });
        return;
      }
      if (CHECKS_BUILD.includes(stage)) {
        // Implemented (libs/checking): a run from test or scan has no image to check. The stage's
        // own input is checked before the catalog is reached, so it names what is missing.
        expect(run.state).toBe('failed');
        expect(run.error).toMatchObject({ stage, code: 'build-artifact-missing' });
        expect(run.error!.message).toContain(`the ${stage} stage of run ${run.id} needs the image its build stage made`);
        return;
      }
      expect(run.state).toBe('failed');
      expect(run.error).toMatchObject({ stage, code: 'stage-not-implemented' });
      expect(run.error!.message).toContain(`the ${stage} stage is not implemented yet`);
    });
    const dlq = await api.request<{ entries: { errorCode: string }[] }>('GET', '/dead-letters');
    expect(dlq.body.entries.map((e) => e.errorCode).sort()).toEqual(
      RUN_STAGES.filter((s) => !IMPLEMENTED.includes(s))
        .map((s) => (s === 'build' ? 'catalog-not-configured' : CHECKS_BUILD.includes(s) ? 'build-artifact-missing' : 'stage-not-implemented'))
        .sort(),
    );
  });

  it('serves its OpenAPI document with every path it answers', async () => {
    const doc = await api.request<{ openapi: string; paths: Record<string, unknown> }>('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths).sort()).toEqual(
      ['/dead-letters', '/dead-letters/{id}/replay', '/health/live', '/health/ready', '/metrics', '/runs', '/runs/{id}', '/webhooks/github', '/events/upstream', '/events/advisory'].sort(),
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

describe('the builder service', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  afterAll(() => fx.close(), 60_000);

  it('boots with the catalog alone (the build stage, no event.upstream handler) and reports ready', async () => {
    const p = await fx.startService('dist/services/builder/src/main.js');
    const ready = await ApiClient.onPort(p.port).request<{ status?: string }>('GET', '/health/ready');
    expect(ready.status).toBe(200);
  }, 60_000);
});

describe.each([
  ['tester', 'the test stage'],
  ['scanner', 'the scan stage'],
])('the %s service', (service, what) => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  afterAll(() => fx.close(), 60_000);

  it(`boots with the catalog alone (${what}, no event.upstream handler) and reports ready`, async () => {
    const p = await fx.startService(`dist/services/${service}/src/main.js`);
    const ready = await ApiClient.onPort(p.port).request<{ status?: string }>('GET', '/health/ready');
    expect(ready.status).toBe(200);
  }, 60_000);
});
