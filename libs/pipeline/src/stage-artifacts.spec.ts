import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { STAGE_ARTIFACTS, type ArtifactKey, type PipelineRun } from '@patch-factory/contracts';
import { createLogger } from '@patch-factory/telemetry';
import { directStageContext } from './direct-stage-context';
import type { StageExecutorBindings } from './pipeline.module';
import { stageArtifact, stageArtifactFile, stageArtifactFiles } from './run-artifacts';
import type { RunReadBy, StageContext, StageExecutor, StageResult } from './stage-executor';
import type { StageRunner } from './stage-runner';
import { RUN_STAGES, type EarlierStage, type RunStage } from './transitions';

// Issue 16: the artifact keys are declared in libs/contracts (STAGE_ARTIFACTS), and the readers
// and StageResult are typed by them. Each `@ts-expect-error` line below is a read or a write the
// types refuse; `npx tsc -p tsconfig.spec.json` fails if one of them becomes valid (TS2578).
// The types change nothing at run time: the refused reads still run here and answer as before.

const ROOT = join(__dirname, '..', '..', '..');
const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();
const codes = (cell: string | undefined): string[] =>
  [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);

const run: PipelineRun = {
  id: 'r-16',
  definition: 'image/x/debian-12/x.yaml',
  trigger: { kind: 'manual' },
  state: 'running',
  createdAt: 1,
  updatedAt: 1,
  stages: [
    { stage: 'patch', status: 'succeeded', attempts: 1, artifacts: { 'patch.branch': 'pf/x' } },
    {
      stage: 'build',
      status: 'succeeded',
      attempts: 1,
      artifacts: { 'build.layout': 'image', 'build.digest': 'sha256:01' },
    },
    { stage: 'test', status: 'succeeded', attempts: 1, artifacts: { 'test.report': 'test-report.json' } },
    {
      stage: 'scan',
      status: 'succeeded',
      attempts: 1,
      artifacts: { 'scan.report': 'scan-report.json', 'scan.sbom.spdx': 'a.spdx.json,b.spdx.json' },
    },
  ],
};

/** A run as the test stage's executor loads it (StageContext<'test'>.loadRun). */
const atTest: RunReadBy<'test'> = run;
/** A run as a helper shared by the test and scan stages takes it. */
const atTestOrScan: RunReadBy<'test' | 'scan'> = run;

/** An executor of the test stage that reads what it may (build) and, refused by the types, what only a later stage writes (scan). */
class TestReadingScan implements StageExecutor<'test'> {
  async execute(ctx: StageContext<'test'>): Promise<StageResult<'test'>> {
    const loaded = await ctx.loadRun();
    const layout = stageArtifact(loaded, 'build', 'build.layout') ?? '';
    // @ts-expect-error -- scan runs after test: no earlier stage writes scan.report
    const scan = stageArtifact(loaded, 'scan', 'scan.report') ?? '';
    return { artifacts: { 'test.report': `${layout} ${scan}` } };
  }
}

describe('typed stage artifacts (issue 16)', () => {
  it('a key is read from the stage that records it; another stage’s key or a misspelt key does not compile and reads nothing', () => {
    expect(stageArtifact(run, 'build', 'build.layout')).toBe('image');
    expect(stageArtifact(run, 'patch', 'patch.branch')).toBe('pf/x');
    expect(stageArtifact(run, 'promote', 'superseded.reason')).toBeUndefined();
    // @ts-expect-error -- scan.report is recorded on scan, not on build
    expect(stageArtifact(run, 'build', 'scan.report')).toBeUndefined();
    // @ts-expect-error -- a misspelt key
    expect(stageArtifact(run, 'build', 'build.layuot')).toBeUndefined();
    // @ts-expect-error -- watch is no stage of a run: it records nothing
    expect(stageArtifact(run, 'watch', 'patch.branch')).toBeUndefined();
    // @ts-expect-error -- pr.number is a review artifact, whatever its prefix
    expect(stageArtifact(run, 'patch', 'pr.number')).toBeUndefined();
    expect(stageArtifactFile(run, 'scan', 'scan.report', '/runs/r-16')).toBe('/runs/r-16/scan-report.json');
    expect(stageArtifactFiles(run, 'scan', 'scan.sbom.spdx', '/runs/r-16')).toEqual([
      '/runs/r-16/a.spdx.json',
      '/runs/r-16/b.spdx.json',
    ]);
    // @ts-expect-error -- scan.report is no test artifact
    expect(stageArtifactFile(run, 'test', 'scan.report', '/runs/r-16')).toBeUndefined();
  });

  it('a run loaded by a stage reads only the stages before it; the same reads run as before', async () => {
    expect(stageArtifact(atTest, 'build', 'build.digest')).toBe('sha256:01');
    expect(stageArtifact(atTest, 'plan', 'patch.request')).toBeUndefined();
    // @ts-expect-error -- a stage does not read its own artifacts from the run
    expect(stageArtifact(atTest, 'test', 'test.report')).toBe('test-report.json');
    // @ts-expect-error -- scan comes after test
    expect(stageArtifactFile(atTest, 'scan', 'scan.report', '/runs/r-16')).toBe('/runs/r-16/scan-report.json');
    // A helper of the test and scan stages reads what comes before both.
    expect(stageArtifact(atTestOrScan, 'patch', 'patch.branch')).toBe('pf/x');
    // @ts-expect-error -- test comes before scan but not before test
    expect(stageArtifact(atTestOrScan, 'test', 'test.report')).toBe('test-report.json');
    const ctx = directStageContext({
      runId: run.id,
      stage: 'test',
      definition: run.definition,
      logger: createLogger('stage-artifacts-spec', 'silent'),
      loadRun: () => Promise.resolve(run),
    });
    await expect(new TestReadingScan().execute(ctx)).resolves.toEqual({
      artifacts: { 'test.report': 'image scan-report.json' },
    });
  });

  it('a stage returns only its own keys; the StageRunner still checks every key at run time', () => {
    const built: StageResult<'build'> = { artifacts: { 'build.digest': 'sha256:01', 'build.layout': 'image' } };
    // @ts-expect-error -- scan.report is no build artifact
    const wrongStage: StageResult<'build'> = { artifacts: { 'scan.report': 'x' } };
    // @ts-expect-error -- a misspelt key
    const misspelt: StageResult<'scan'> = { artifacts: { 'scan.vex.absant': 'x' } };
    const review: StageResult<'review'> = { artifacts: { 'pr.number': '7', 'patch.request': 'none' } };
    // An executor that declares no stage (a test double) returns any keys.
    const untyped: StageResult = { artifacts: { 'build.attempt': '2' } };
    expect([built, wrongStage, misspelt, review, untyped].map((r) => Object.keys(r.artifacts ?? {}))).toEqual([
      ['build.digest', 'build.layout'],
      ['scan.report'],
      ['scan.vex.absant'],
      ['pr.number', 'patch.request'],
      ['build.attempt'],
    ]);
    const bindings: StageExecutorBindings = {
      test: new TestReadingScan(),
      // @ts-expect-error -- an executor of the test stage bound to build
      build: new TestReadingScan(),
    };
    expect(Object.keys(bindings)).toEqual(['test', 'build']);
    // The merge webhook resumes review with review artifacts only.
    const resumeReview = (runner: StageRunner) =>
      runner.resume('r-16', 'review', { 'pr.number': '7', 'pr.merge-commit': 'abc' });
    // @ts-expect-error -- build.digest is no review artifact
    const resumeWrong = (runner: StageRunner) => runner.resume('r-16', 'review', { 'build.digest': 'sha256:01' });
    expect([resumeReview, resumeWrong].map((f) => f.length)).toEqual([1, 1]);
  });

  it('EarlierStage follows TRANSITIONS: the stages before every stage named', () => {
    const beforeTest: EarlierStage<'test'>[] = ['plan', 'patch', 'build'];
    const beforeSignAndPublish: EarlierStage<'sign' | 'publish'>[] = ['plan', 'patch', 'build', 'test', 'scan'];
    // @ts-expect-error -- sign is not before sign
    const notBeforeSign: EarlierStage<'sign' | 'publish'> = 'sign';
    // @ts-expect-error -- nothing comes before plan
    const beforePlan: EarlierStage<'plan'> = 'plan';
    expect([beforeTest, beforeSignAndPublish, notBeforeSign, beforePlan]).toEqual([
      RUN_STAGES.slice(0, 3),
      RUN_STAGES.slice(0, 5),
      'sign',
      'plan',
    ]);
  });

  it('the map has every stage of a run, in order, and its keys are keys the StageRunner accepts', () => {
    expect(Object.keys(STAGE_ARTIFACTS)).toEqual(RUN_STAGES);
    for (const keys of Object.values(STAGE_ARTIFACTS))
      for (const key of keys) expect(key).toMatch(/^[a-z][a-z0-9._-]{0,63}$/);
  });

  describe('docs/pipeline.md names the same artifacts as the map', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'pipeline.md'), 'utf8');
    const stageRows = new Map(
      doc
        .slice(doc.indexOf('## Stages'), doc.indexOf('## Jobs'))
        .split('\n')
        .filter((l) => l.startsWith('| `'))
        .map((l) => l.split('|').map((c) => c.trim()))
        .map((cells) => [codes(cells[1])[0] as string, cells]),
    );
    const webhook = doc
      .split('\n')
      .find((l) => l.startsWith('| merge webhook'))
      ?.split('|')
      .map((c) => c.trim());

    it.each(RUN_STAGES.map((s) => [s]))(
      '%s: the keys recorded on it are those its row writes (and the webhook and the run store add)',
      (stage) => {
        const row = stageRows.get(stage);
        expect(row).toBeDefined();
        const extra = [
          ...(stage === 'review' ? codes(webhook?.[5]) : []),
          ...(stage === 'review' || stage === 'promote' ? ['superseded.reason'] : []),
        ];
        expect(sorted(STAGE_ARTIFACTS[stage])).toEqual(sorted([...codes(row?.[7]), ...extra]));
      },
    );

    it.each(RUN_STAGES.map((s) => [s]))('%s: every artifact its row reads is recorded by an earlier stage', (stage) => {
      for (const label of codes(stageRows.get(stage)?.[6])) {
        const [from, key] = label.includes(':')
          ? (label.split(':') as [RunStage, string])
          : [label.split('.')[0] as RunStage, label];
        expect({
          label,
          from: RUN_STAGES.indexOf(from) < RUN_STAGES.indexOf(stage),
          declared: (STAGE_ARTIFACTS[from] as readonly string[]).includes(key),
        }).toEqual({ label, from: true, declared: true });
      }
    });

    it('the webhook row and the superseded note name what the map gives review and promote', () => {
      expect(codes(webhook?.[5])).toEqual(['pr.number', 'pr.merge-commit']);
      expect(doc).toContain('`superseded.reason`');
    });
  });

  it('every key of the map is written somewhere in the libraries’ code', () => {
    const sources: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path);
        else if (
          e.name.endsWith('.ts') &&
          !e.name.endsWith('.spec.ts') &&
          !e.name.endsWith('.test.ts') &&
          e.name !== 'stage-artifacts.ts'
        )
          sources.push(readFileSync(path, 'utf8'));
      }
    };
    for (const lib of readdirSync(join(ROOT, 'libs'), { withFileTypes: true }))
      if (lib.isDirectory() && lib.name !== 'testing' && existsSync(join(ROOT, 'libs', lib.name, 'src')))
        walk(join(ROOT, 'libs', lib.name, 'src'));
    const all = sources.join('\n');
    const keys: ArtifactKey<RunStage>[] = Object.values(STAGE_ARTIFACTS).flat();
    expect(sorted(keys).filter((k) => !all.includes(`'${k}'`))).toEqual([]);
  });
});
