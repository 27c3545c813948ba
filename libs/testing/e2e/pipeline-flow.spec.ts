import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_STAGES, STAGE_OWNER, stagesOwnedBy } from '@patch-factory/pipeline';
import type { SpanLine } from '@patch-factory/telemetry';
import { BackboneFixture, type ApiClient } from '../src';

const SERVICES = [...new Set(RUN_STAGES.map((s) => STAGE_OWNER[s]))];

describe('a run triggered through the API flows through every stage in separate worker processes', () => {
  const spans = join(mkdtempSync(join(tmpdir(), 'pf-spans-')), 'spans.jsonl');
  const fx = new BackboneFixture(undefined, { PF_TRACES_EXPORTER: 'file', PF_TRACES_FILE: spans });
  let api: ApiClient;

  beforeAll(async () => {
    api = await fx.startApi();
    await Promise.all(SERVICES.map((svc) => fx.startWorker(stagesOwnedBy(svc), { PF_TEST_SERVICE: svc })));
  }, 120_000);
  afterAll(() => fx.close(), 60_000);

  it('ends succeeded, each stage once, under one trace id spanning every service', async () => {
    const ids = await Promise.all(['a', 'b', 'c'].map((n) => api.trigger(`image/${n}/debian-12/1.yaml`)));
    const runs = await fx.waitForRuns(ids);
    for (const run of runs) {
      expect(run.state).toBe('succeeded');
      expect(run.stages.map((s) => [s.stage, s.status])).toEqual(RUN_STAGES.map((s) => [s, 'succeeded']));
      expect(await fx.runs.completions(run.id)).toBe(1);
      expect(await fx.effects.effects(run.id)).toBe(RUN_STAGES.length);
      expect(run.traceId).toMatch(/^[0-9a-f]{32}$/);
    }

    // Spans are exported as each one ends: wait until the last stage's span is in the file.
    const run = runs[0]!;
    const readSpans = () =>
      existsSync(spans)
        ? readFileSync(spans, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as SpanLine)
        : [];
    const deadline = Date.now() + 10_000;
    let mine = readSpans().filter((s) => s.traceId === run.traceId);
    while (!mine.some((s) => s.name === 'stage notify') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      mine = readSpans().filter((s) => s.traceId === run.traceId);
    }
    const names = mine.map((s) => s.name);
    expect(names).toContain('pipeline.run');
    for (const stage of RUN_STAGES) expect(names).toContain(`stage ${stage}`);
    expect(new Set(mine.map((s) => s.service))).toEqual(new Set(['api', ...SERVICES]));
    // Every stage span hangs off another span of the same trace: one tree, not fragments.
    const ids2 = new Set(mine.map((s) => s.spanId));
    for (const s of mine.filter((x) => x.name.startsWith('stage '))) expect(ids2.has(s.parentSpanId ?? '')).toBe(true);
    // No other run's spans leaked into this trace.
    expect(mine.every((s) => s.attributes['pf.run_id'] === run.id)).toBe(true);
  });

  it('runs a partial run (build → publish) and reports the stage timeline over the API', async () => {
    const id = await api.trigger('image/partial/debian-12/1.yaml', { from: 'build', to: 'publish' });
    const [run] = await fx.waitForRuns([id]);
    expect(run!.state).toBe('succeeded');
    expect(run!.stages.map((s) => s.stage)).toEqual(['build', 'test', 'scan', 'sign', 'publish']);
    const res = await api.request<{ stages: { stage: string; startedAt: number; finishedAt: number }[] }>(
      'GET',
      `/runs/${id}`,
    );
    expect(res.status).toBe(200);
    const t = res.body.stages;
    // The stages' fencing tokens (BullMQ lock tokens) stay inside: the store has them, the API does not show them.
    expect((await fx.runs.get(id))!.stages.every((s) => typeof s.completedToken === 'string')).toBe(true);
    for (const s of res.body.stages) expect(Object.keys(s).filter((k) => /token/i.test(k))).toEqual([]);
    const listed = await api.request<{ runs: { id: string; stages: object[] }[] }>('GET', '/runs?limit=5');
    for (const s of listed.body.runs.flatMap((r) => r.stages))
      expect(Object.keys(s).filter((k) => /token/i.test(k))).toEqual([]);
    for (let i = 1; i < t.length; i++) expect(t[i]!.startedAt).toBeGreaterThanOrEqual(t[i - 1]!.finishedAt);
  });
});
