import { JOBS, SERVICE_NAMES } from '@patch-factory/contracts';
import { JOB_OPTIONS } from './job-options';
import { newRunId } from './run-id';
import { RUN_STAGES, STAGE_JOB, nextStage, runStagesBetween, stageJobId, stagesOwnedBy } from './transitions';

describe('the stage transition table', () => {
  it('is the pipeline of the design, in order', () => {
    expect(RUN_STAGES).toEqual([
      'plan',
      'patch',
      'build',
      'test',
      'scan',
      'sign',
      'publish',
      'review',
      'promote',
      'notify',
    ]);
    expect(nextStage('publish')).toBe('review');
    expect(nextStage('notify')).toBeNull();
  });

  it('gives partial runs in table order and refuses backwards ones', () => {
    expect(runStagesBetween('build', 'publish')).toEqual(['build', 'test', 'scan', 'sign', 'publish']);
    expect(runStagesBetween()).toEqual(RUN_STAGES);
    expect(() => runStagesBetween('publish', 'build')).toThrow('publish must come before build');
  });

  it('maps every stage to a job on its own queue, owned by one service', () => {
    for (const stage of RUN_STAGES) expect(JOBS[STAGE_JOB[stage]].queue).toBe(`{${stage}}`);
    expect(stagesOwnedBy('orchestrator')).toEqual(['plan', 'patch', 'review', 'promote']);
    const services = SERVICE_NAMES.filter((svc) => stagesOwnedBy(svc).length > 0);
    expect(services.flatMap((svc) => stagesOwnedBy(svc)).sort()).toEqual([...RUN_STAGES].sort());
  });

  it('has a job-options row for every job, with bounded retention', () => {
    for (const name of Object.keys(JOBS) as (keyof typeof JOBS)[]) {
      const row = JOB_OPTIONS[name];
      expect(row.attempts).toBeGreaterThanOrEqual(1);
      expect(row.keepCompleted.count).toBeGreaterThan(0);
      expect(row.keepFailed.count).toBeGreaterThan(0);
      expect(row.lockDurationMs).toBeGreaterThanOrEqual(30_000);
    }
  });

  it('makes deterministic, cluster-safe job ids and sortable run ids', () => {
    const id = newRunId(1_700_000_000_000);
    expect(id).toMatch(/^run_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(newRunId(1_700_000_000_001) > id).toBe(true);
    expect(stageJobId(id, 'build')).toBe(`${id}.build`);
    expect(stageJobId(id, 'build')).not.toContain(':');
  });
});
