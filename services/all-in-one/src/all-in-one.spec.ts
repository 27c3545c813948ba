import { RUN_STAGES } from '@patch-factory/pipeline';
import { ApiClient, BackboneFixture, startProcess, testPrefix } from '@patch-factory/testing';

describe('the all-in-one service with the production executors', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let api: ApiClient;

  beforeAll(async () => {
    const p = await fx.startService('dist/services/all-in-one/src/main.js');
    api = await fx.client(p.port);
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  it('runs each stage alone with its production executor: those without their inputs fail loudly, never a fake success', async () => {
    // plan, patch and review are implemented: a manual run (a rebuild as is) has nothing for them to change.
    // notify too: a run that promoted nothing and opened no pull request has no event to send.
    // build … promote are implemented too: a run from one of them alone lacks what it needs and says so.
    const IMPLEMENTED = ['plan', 'patch', 'review', 'notify'];
    const EXPECTED: Record<string, { code: string; message: RegExp }> = {
      // It needs the definitions repository to read the definition from: loud without it.
      build: { code: 'catalog-not-configured', message: /PF_CATALOG_REMOTE/ },
      // A run from test or scan has no image to check; the stage's own input is checked before the catalog is reached.
      test: {
        code: 'build-artifact-missing',
        message: /the test stage of run \S+ needs the image its build stage made/,
      },
      scan: {
        code: 'build-artifact-missing',
        message: /the scan stage of run \S+ needs the image its build stage made/,
      },
      // The signer checks its key first: none is configured here.
      sign: { code: 'signing-key-missing', message: /set PF_SIGNING_KEY/ },
      publish: {
        code: 'publish-input-missing',
        message: /the publish stage of run \S+ needs the image its build stage made/,
      },
      promote: {
        code: 'publish-input-missing',
        message: /the promote stage of run \S+ needs the staging image its publish stage pushed/,
      },
    };
    const ids: string[] = [];
    for (const stage of RUN_STAGES)
      ids.push(await api.trigger(`image/${stage}/debian-12/1.yaml`, { from: stage, to: stage }));
    const runs = await fx.waitForRuns(ids);
    runs.forEach((run, i) => {
      const stage = RUN_STAGES[i] as string;
      if (IMPLEMENTED.includes(stage)) {
        expect(run.state).toBe('succeeded');
        if (stage === 'notify') expect(run.stages[0]?.artifacts['notify.events']).toMatch(/^none/);
        else expect(run.stages[0]?.artifacts['patch.request']).toMatch(/^none: a manual run/);
        return;
      }
      const expected = EXPECTED[stage];
      expect(expected).toBeDefined();
      expect(run.state).toBe('failed');
      expect(run.error).toMatchObject({ stage, code: expected?.code });
      expect(run.error!.message).toMatch(expected!.message);
    });
    const dlq = await api.request<{ entries: { errorCode: string }[] }>('GET', '/dead-letters');
    expect(dlq.body.entries.map((e) => e.errorCode).sort()).toEqual(
      RUN_STAGES.filter((s) => !IMPLEMENTED.includes(s))
        .map((s) => EXPECTED[s]?.code)
        .sort(),
    );
  });

  it('serves its OpenAPI document with every path it answers', async () => {
    const doc = await api.request<{ openapi: string; paths: Record<string, unknown> }>('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths).sort()).toEqual(
      [
        '/dead-letters',
        '/dead-letters/{id}/replay',
        '/health/live',
        '/health/ready',
        '/metrics',
        '/runs',
        '/runs/{id}',
        '/webhooks/github',
        '/events/upstream',
        '/events/advisory',
        '/openapi.json',
        '/tokens',
        '/tokens/{id}',
        '/audit',
        '/webhooks/subscriptions',
        '/webhooks/subscriptions/{id}',
        '/webhooks/subscriptions/{id}/rotate',
        '/webhooks/subscriptions/{id}/replay',
        '/webhooks/deliveries',
        '/webhooks/deliveries/{id}',
        '/webhooks/deliveries/{id}/replay',
        '/feeds/images.atom',
      ].sort(),
    );
  });
});

describe('a service refuses to start on bad configuration', () => {
  it('exits naming the variable', async () => {
    await expect(
      startProcess(
        'dist/services/builder/src/main.js',
        { PF_PREFIX: testPrefix(), PF_WORKER_CONCURRENCY: 'many' },
        20_000,
      ),
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
  ['signer', 'the sign stage'],
  ['publisher', 'the publish stage'],
])('the %s service', (service, what) => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  afterAll(() => fx.close(), 60_000);

  it(`boots with the catalog alone (${what}, no event.upstream handler) and reports ready`, async () => {
    const p = await fx.startService(`dist/services/${service}/src/main.js`);
    const ready = await ApiClient.onPort(p.port).request<{ status?: string }>('GET', '/health/ready');
    expect(ready.status).toBe(200);
  }, 60_000);
});
