import { SERVICE_NAMES, TerminalError } from '@patch-factory/contracts';
import {
  NotImplementedExecutor,
  RUN_STAGES,
  STAGE_OWNER,
  type StageExecutor,
  type StageExecutorBindings,
} from '@patch-factory/pipeline';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serviceSpecOf } from './boot-service';
import { FactoryErrorCode } from './factory-errors';
import { FACTORY_SERVICES, stagesRunBy, type FactoryServiceName } from './factory-services.registry';
import { assertStagesHaveExecutors } from './stage-coverage';
import { NOT_YET_IMPLEMENTED_STAGES, STAGE_EXECUTORS } from './stage-executors.registry';

const ROOT = resolve(__dirname, '../../..');
const SERVICES = Object.keys(FACTORY_SERVICES) as FactoryServiceName[];

function thrown(fn: () => unknown): TerminalError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TerminalError) return error;
    throw error;
  }
  throw new Error('expected a TerminalError, nothing was thrown');
}

describe('the stage executor registry and the boot check', () => {
  it('refuses a service that owns a stage without an executor, naming the service and the stage', () => {
    const { build: _build, ...withoutBuild } = STAGE_EXECUTORS;
    const error = thrown(() => serviceSpecOf('builder', withoutBuild));
    expect(error.code).toBe(FactoryErrorCode.stageExecutorMissing);
    expect(error.code).toBe('stage-executor-missing');
    expect(error.message).toMatch(/service builder runs the build stage, which has no executor/);
    // The all-in-one runs every stage: it is refused for the same hole.
    expect(thrown(() => serviceSpecOf('all-in-one', withoutBuild)).message).toMatch(
      /service all-in-one runs the build stage/,
    );
  });

  it('refuses a stage bound to NotImplementedExecutor that is not declared not yet implemented', () => {
    const executors: StageExecutorBindings = { ...STAGE_EXECUTORS, sign: NotImplementedExecutor };
    const error = thrown(() => serviceSpecOf('signer', executors));
    expect(error.code).toBe('stage-executor-missing');
    expect(error.message).toMatch(
      /service signer runs the sign stage with NotImplementedExecutor, but sign is not in NOT_YET_IMPLEMENTED_STAGES/,
    );
    // An instance counts as much as the class.
    expect(() => assertStagesHaveExecutors('signer', ['sign'], { sign: new NotImplementedExecutor() }, [])).toThrow(
      /NotImplementedExecutor/,
    );
  });

  it('accepts every real service with the real registry, each with exactly the stages it owns', () => {
    for (const service of SERVICES) {
      const spec = serviceSpecOf(service);
      const expected =
        service === 'all-in-one' ? [...RUN_STAGES] : RUN_STAGES.filter((s) => STAGE_OWNER[s] === service);
      expect({ service, stages: spec.pipeline.stages }).toEqual({ service, stages: expected });
      for (const stage of expected)
        expect({ service, stage, executor: spec.pipeline.executors?.[stage] }).toEqual({
          service,
          stage,
          executor: STAGE_EXECUTORS[stage],
        });
    }
  });

  it('binds NotImplementedExecutor exactly to the stages declared not yet implemented (none since notify landed)', () => {
    const unimplemented = RUN_STAGES.filter((s) => STAGE_EXECUTORS[s] === NotImplementedExecutor);
    expect(unimplemented).toEqual([...NOT_YET_IMPLEMENTED_STAGES]);
    expect(NOT_YET_IMPLEMENTED_STAGES).toEqual([]);
  });

  it('accepts a test double bound to any stage, and refuses an unknown service by name', () => {
    const double: StageExecutor = { execute: () => Promise.resolve() };
    expect(() => assertStagesHaveExecutors('test-worker', ['build'], { build: double }, [])).not.toThrow();
    const error = thrown(() => serviceSpecOf('sla'));
    expect(error.code).toBe('service-unknown');
    expect(error.message).toMatch(/no service "sla" in FACTORY_SERVICES/);
  });

  it('has a recipe for every service that owns a stage, and each services/<name>/src/main.ts is bootService of its name', () => {
    for (const owner of new Set(Object.values(STAGE_OWNER))) expect(SERVICES).toContain(owner);
    for (const service of SERVICE_NAMES) {
      const main = join(ROOT, 'services', service, 'src/main.ts');
      expect({ service, hasMain: existsSync(main) }).toEqual({
        service,
        hasMain: SERVICES.includes(service as FactoryServiceName),
      });
      if (!existsSync(main)) continue;
      expect({ service, boots: /^void bootService\('([a-z-]+)'\);$/m.exec(readFileSync(main, 'utf8'))?.[1] }).toEqual({
        service,
        boots: service,
      });
      expect(stagesRunBy(service as FactoryServiceName).length).toBeGreaterThanOrEqual(0);
    }
  });
});
