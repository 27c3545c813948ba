import type { INestApplication } from '@nestjs/common';
import { TerminalError } from '@patch-factory/contracts';
import { bootstrapService, type ServiceSpec, type StageExecutorBindings } from '@patch-factory/pipeline';
import { FactoryErrorCode } from './factory-errors';
import {
  FACTORY_SERVICES,
  isFactoryService,
  jobsRunBy,
  stagesRunBy,
  type FactoryServiceName,
  type ServiceRecipe,
} from './factory-services.registry';
import { assertStagesHaveExecutors } from './stage-coverage';
import { NOT_YET_IMPLEMENTED_STAGES, STAGE_EXECUTORS } from './stage-executors.registry';

/**
 * The whole wiring of a service, from its name: its stages (STAGE_OWNER), their executors
 * (STAGE_EXECUTORS), its jobs, Nest modules and port (FACTORY_SERVICES). Throws
 * `stage-executor-missing` when a stage it runs has no executor (assertStagesHaveExecutors).
 */
export function serviceSpecOf(service: string, executors: StageExecutorBindings = STAGE_EXECUTORS): ServiceSpec {
  if (!isFactoryService(service)) {
    throw new TerminalError(
      FactoryErrorCode.serviceUnknown,
      `no service ${JSON.stringify(service)} in FACTORY_SERVICES (libs/factory): known are ${Object.keys(FACTORY_SERVICES).join(', ')}`,
    );
  }
  const recipe: ServiceRecipe = FACTORY_SERVICES[service];
  const stages = stagesRunBy(service);
  assertStagesHaveExecutors(service, stages, executors, NOT_YET_IMPLEMENTED_STAGES);
  const jobs = jobsRunBy(service);
  return {
    service,
    defaultPort: recipe.defaultPort,
    pipeline: {
      stages,
      ...(jobs.length > 0 ? { jobs } : {}),
      executors: Object.fromEntries(stages.map((s) => [s, executors[s]])) as StageExecutorBindings,
      ...(recipe.profile ? { profile: recipe.profile } : {}),
    },
    ...(recipe.imports ? { imports: [...recipe.imports] } : {}),
  };
}

/**
 * Boots the service named `service` (a services/<name>/src/main.ts is `void bootService('<name>')`).
 * A wiring error (a stage without executor) stops the process before anything starts, with
 * exit code 70 and a message naming the service, the stage and the error code.
 */
export async function bootService(service: FactoryServiceName): Promise<INestApplication> {
  let spec: ServiceSpec;
  try {
    spec = serviceSpecOf(service);
  } catch (error) {
    const code = error instanceof TerminalError ? ` [${error.code}]` : '';
    process.stderr.write(`${service} cannot start${code}: ${(error as Error).message}\n`);
    process.exit(70);
  }
  return bootstrapService(spec);
}
