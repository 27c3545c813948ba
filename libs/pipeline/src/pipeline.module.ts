import { Global, Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import type { JobName } from '@patch-factory/contracts';
import { APP_GUARD } from '@nestjs/core';
import { CONFIG, type Env } from '@patch-factory/config';
import { QueueModule, type RedisProfile } from '@patch-factory/queue';
import {
  ApiTokenRepository,
  AuditLog,
  RequestRateLimiter,
  STORE_PREFIX,
  STORE_REDIS,
  StoreModule,
} from '@patch-factory/store';
import type { Redis } from 'ioredis';
import { AccessGuard } from './access';
import { JOB_OPTIONS } from './job-options';
import { NotImplementedExecutor } from './not-implemented.executor';
import { RunDeadLetterHooks } from './run-dead-letter.hooks';
import { RunLauncher } from './run-launcher';
import { RunReconciler } from './run-reconciler';
import { executorToken, type ExecutorOf } from './stage-executor';
import { stageProcessorFor } from './stage-processor.factory';
import { StageRunner } from './stage-runner';
import { STAGE_JOB, type RunStage } from './transitions';

/** The executor of stage `S` as a service binds it: an instance or a class, of `S` (or of no declared stage). */
export type ExecutorBinding<S extends RunStage = RunStage> = ExecutorOf<S> | Type<ExecutorOf<S>>;

/** Executors by stage, each bound to the stage it declares (`{ build: BuildExecutor }`; `{ test: BuildExecutor }` does not compile). */
export type StageExecutorBindings = { [S in RunStage]?: ExecutorBinding<S> };

export interface PipelineModuleOptions {
  service: string;
  /** The stages this process runs (their workers start at boot). */
  stages: readonly RunStage[];
  /** Jobs besides its stages that this service handles (their @OnJob providers come with its own modules). */
  jobs?: readonly JobName[];
  /**
   * Executors by stage; a stage without one here fails its runs with `stage-not-implemented`.
   * The factory's services never rely on that: libs/factory binds every stage (STAGE_EXECUTORS)
   * and refuses to boot a service owning a stage without an executor (`stage-executor-missing`).
   */
  executors?: StageExecutorBindings;
  profile?: RedisProfile;
}

function executorProvider(
  stage: RunStage,
  binding: { [S in RunStage]: ExecutorBinding<S> }[RunStage] | undefined,
): Provider {
  const token = executorToken(stage);
  if (!binding) return { provide: token, useValue: new NotImplementedExecutor() };
  return typeof binding === 'function' ? { provide: token, useClass: binding } : { provide: token, useValue: binding };
}

/**
 * The backbone of a service: queue workers for its stages, the run store, the run
 * launcher and dead-letter handling. Services are this module plus their wiring.
 */
@Global()
@Module({})
export class PipelineModule {
  static forService(options: PipelineModuleOptions): DynamicModule {
    return {
      module: PipelineModule,
      imports: [
        StoreModule.forRoot(),
        QueueModule.forRoot({
          service: options.service,
          owns: [...options.stages.map((s) => STAGE_JOB[s]), ...(options.jobs ?? [])],
          jobOptions: JOB_OPTIONS,
          deadLetterHooks: RunDeadLetterHooks,
          ...(options.profile ? { profile: options.profile } : {}),
        }),
      ],
      providers: [
        // Access: bearer tokens with scopes on every route of every service (AccessGuard), the audit log, rates per token.
        {
          provide: ApiTokenRepository,
          inject: [STORE_REDIS, STORE_PREFIX],
          useFactory: (redis: Redis, prefix: string) => new ApiTokenRepository(redis, prefix),
        },
        {
          provide: RequestRateLimiter,
          inject: [STORE_REDIS, STORE_PREFIX, CONFIG],
          useFactory: (redis: Redis, prefix: string, config: Env) =>
            new RequestRateLimiter(redis, prefix, config.PF_API_RATE_LIMIT_PER_MINUTE),
        },
        {
          provide: AuditLog,
          inject: [STORE_REDIS, STORE_PREFIX, CONFIG],
          useFactory: (redis: Redis, prefix: string, config: Env) =>
            new AuditLog(redis, prefix, config.PF_AUDIT_MAX_ENTRIES),
        },
        { provide: APP_GUARD, useClass: AccessGuard },
        StageRunner,
        RunReconciler,
        RunLauncher,
        ...options.stages.map((s) => executorProvider(s, options.executors?.[s])),
        ...options.stages.map((s) => stageProcessorFor(s)),
      ],
      exports: [RunLauncher, StageRunner, RunReconciler, ApiTokenRepository, AuditLog],
    };
  }
}
