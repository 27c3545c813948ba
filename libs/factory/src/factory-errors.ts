/** Stable codes of the factory's assembly (rule 5 of DESIGN.md). */
export const FactoryErrorCode = {
  /**
   * A service owns a stage (STAGE_OWNER) that has no executor in STAGE_EXECUTORS, or one bound
   * to NotImplementedExecutor without being declared not yet implemented: it does not boot.
   */
  stageExecutorMissing: 'stage-executor-missing',
  /** bootService() was given a name that is not a service of FACTORY_SERVICES. */
  serviceUnknown: 'service-unknown',
} as const;

export type FactoryErrorCode = (typeof FactoryErrorCode)[keyof typeof FactoryErrorCode];
