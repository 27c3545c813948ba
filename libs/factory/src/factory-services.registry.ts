import type { ModuleMetadata } from '@nestjs/common';
import { ApiModule } from '@patch-factory/api';
import type { JobName, ServiceName } from '@patch-factory/contracts';
import { CatalogAccessModule } from '@patch-factory/catalog-access';
import { NOTIFYING_JOBS, NotifyingModule } from '@patch-factory/notifying';
import { PATCHING_JOBS, PatchingModule } from '@patch-factory/patching';
import { RUN_STAGES, stagesOwnedBy, type RunStage } from '@patch-factory/pipeline';
import type { RedisProfile } from '@patch-factory/queue';
import { WatchingModule } from '@patch-factory/watching';

/** What makes one service, besides the executors of its stages (STAGE_EXECUTORS). */
export interface ServiceRecipe {
  /** HTTP port when PF_HTTP_PORT is not set (health, metrics, API). */
  defaultPort: number;
  /** Runs every stage of a run (the all-in-one); otherwise the stages it owns in STAGE_OWNER. */
  everyStage?: true;
  /** Jobs besides its stages (their @OnJob handlers come with its modules). */
  jobs?: readonly JobName[];
  /** Its Nest modules besides the backbone (PipelineModule). */
  imports?: NonNullable<ModuleMetadata['imports']>;
  /** Redis connection profile; a service that runs no worker is a `producer`. */
  profile?: RedisProfile;
}

/**
 * Every service of the factory (services/<name>/src/main.ts is `bootService('<name>')`): its
 * port, its jobs besides its stages, its Nest modules. The stages each runs come from
 * STAGE_OWNER; their executors from STAGE_EXECUTORS.
 */
export const FACTORY_SERVICES = {
  /** The watcher: polls the definitions' `track:` entries and the watch list's advisory feeds (`watch.poll`). */
  watcher: { defaultPort: 8088, jobs: ['watch.poll'], imports: [WatchingModule] },
  /** The orchestrator: plans upstream events into runs; plan, patch, review and promote. */
  orchestrator: { defaultPort: 8081, jobs: [...PATCHING_JOBS], imports: [PatchingModule] },
  /** The builder: definitions into reproducible OCI image layouts, reading the catalog. */
  builder: { defaultPort: 8082, imports: [CatalogAccessModule] },
  /** The tester: image tests and policy checks, gated by the catalog's gates policy. */
  tester: { defaultPort: 8083, imports: [CatalogAccessModule] },
  /** The scanner: SBOMs, the vulnerability scan with the catalog's VEX, gates. */
  scanner: { defaultPort: 8084, imports: [CatalogAccessModule] },
  /** The signer: the only process that reads PF_SIGNING_KEY. */
  signer: { defaultPort: 8085, imports: [CatalogAccessModule] },
  /** The publisher: the image, signatures and attestations to the staging tag. */
  publisher: { defaultPort: 8086, imports: [CatalogAccessModule] },
  /** The notifier: the notify stage, the fan-out of events to webhook subscriptions, delivery attempts, `pipeline.failed`. */
  notifier: { defaultPort: 8087, jobs: [...NOTIFYING_JOBS], imports: [NotifyingModule] },
  /** The operator REST API with its OpenAPI document and the GitHub webhook; runs no stage. */
  api: { defaultPort: 8080, profile: 'producer', imports: [ApiModule] },
  /** Every stage, the watcher, the event planner and the operator API in one process: the embedded default. */
  'all-in-one': {
    defaultPort: 8080,
    everyStage: true,
    jobs: [...PATCHING_JOBS, 'watch.poll', ...NOTIFYING_JOBS],
    imports: [ApiModule, PatchingModule, WatchingModule, NotifyingModule],
  },
} as const satisfies Partial<Record<ServiceName, ServiceRecipe>>;

/** A service that has a recipe (and a services/<name>/src/main.ts). */
export type FactoryServiceName = keyof typeof FACTORY_SERVICES;

export function isFactoryService(name: string): name is FactoryServiceName {
  return Object.hasOwn(FACTORY_SERVICES, name);
}

/** The stages a service runs: every stage for the all-in-one, else those STAGE_OWNER gives it. */
export function stagesRunBy(service: FactoryServiceName): readonly RunStage[] {
  const recipe: ServiceRecipe = FACTORY_SERVICES[service];
  return recipe.everyStage ? RUN_STAGES : stagesOwnedBy(service);
}

/** The jobs besides its stages that a service handles. */
export function jobsRunBy(service: FactoryServiceName): readonly JobName[] {
  const recipe: ServiceRecipe = FACTORY_SERVICES[service];
  return recipe.jobs ?? [];
}
