import type { JobName, ServiceName, StageName } from '@patch-factory/contracts';

/**
 * THE stage order of the factory, in one place:
 *
 *   watch → plan → patch → build → test → scan → sign → publish → review → promote → notify
 *
 * `watch` is where runs come from (sources polled by the watcher); a PipelineRun starts
 * at `plan` and ends after `notify`.
 */
export const TRANSITIONS = {
  watch: 'plan',
  plan: 'patch',
  patch: 'build',
  build: 'test',
  test: 'scan',
  scan: 'sign',
  sign: 'publish',
  publish: 'review',
  review: 'promote',
  promote: 'notify',
  notify: null,
} as const satisfies Record<StageName, StageName | null>;

/** The stages a run goes through, in order. */
export type RunStage = Exclude<StageName, 'watch'>;
export const RUN_ENTRY: RunStage = 'plan';
export const RUN_STAGES: readonly RunStage[] = (() => {
  const order: RunStage[] = [];
  for (let s: StageName | null = RUN_ENTRY; s; s = TRANSITIONS[s]) order.push(s as RunStage);
  return order;
})();

/**
 * The stages of a run that covers only part of the pipeline, in table order: for example
 * a rebuild of an unchanged definition runs build → publish.
 */
export function runStagesBetween(
  from: RunStage = RUN_ENTRY,
  to: RunStage = RUN_STAGES[RUN_STAGES.length - 1] as RunStage,
): RunStage[] {
  const a = RUN_STAGES.indexOf(from);
  const b = RUN_STAGES.indexOf(to);
  if (a < 0 || b < 0 || a > b)
    throw new RangeError(
      `no run goes from ${from} to ${to}: ${from} must come before ${to} in ${RUN_STAGES.join(' → ')}`,
    );
  return RUN_STAGES.slice(a, b + 1);
}

/** The stages that come after `S` in a run, in TRANSITIONS order (`LaterStage<'scan'>` is sign | publish | review | promote | notify). */
export type LaterStage<S extends StageName> = (typeof TRANSITIONS)[S] extends infer N
  ? N extends RunStage
    ? N | LaterStage<N>
    : never
  : never;

/**
 * The stages of a run that come before every stage of `S` (`EarlierStage<'test'>` is plan | patch | build;
 * `EarlierStage<'test' | 'scan'>` the same): the stages whose artifacts a reader at `S` may read.
 */
export type EarlierStage<S extends RunStage> = { [K in RunStage]: [S] extends [LaterStage<K>] ? K : never }[RunStage];

export function nextStage(stage: RunStage): RunStage | null {
  return TRANSITIONS[stage];
}

export function isRunStage(value: string): value is RunStage {
  return (RUN_STAGES as readonly string[]).includes(value);
}

/** The job that carries a stage. */
export const STAGE_JOB = {
  plan: 'stage.plan',
  patch: 'stage.patch',
  build: 'stage.build',
  test: 'stage.test',
  scan: 'stage.scan',
  sign: 'stage.sign',
  publish: 'stage.publish',
  review: 'stage.review',
  promote: 'stage.promote',
  notify: 'stage.notify',
} as const satisfies Record<RunStage, JobName>;

/** Which service runs each stage. */
export const STAGE_OWNER = {
  watch: 'watcher',
  plan: 'orchestrator',
  patch: 'orchestrator',
  build: 'builder',
  test: 'tester',
  scan: 'scanner',
  sign: 'signer',
  publish: 'publisher',
  review: 'orchestrator',
  promote: 'orchestrator',
  notify: 'notifier',
} as const satisfies Record<StageName, ServiceName>;

export function stagesOwnedBy(service: ServiceName): RunStage[] {
  return RUN_STAGES.filter((s) => STAGE_OWNER[s] === service);
}

/** Deterministic job id of a stage of a run: a stage is enqueued once per run. */
export function stageJobId(runId: string, stage: RunStage): string {
  return `${runId}.${stage}`;
}
