/**
 * The points between the external effects of a promotion, in order: the image copied into the
 * release repository (`copied`), the plan recorded (`planned`), each release tag moved in the
 * registry (`tag-moved:<tag>`), the store writes made (`recorded`). A promotion stopped after
 * any of them (a crash, a kill) and run again ends with each effect made once.
 */
export type PromoteStep = 'copied' | 'planned' | `tag-moved:${string}` | 'recorded';

/** Called after each step of a promotion (observability, and the crash tests that stop a process there). */
export type PromoteStepHook = (step: PromoteStep) => void | Promise<void>;

/** Injection token of an optional PromoteStepHook. */
export const PROMOTE_STEP_HOOK = Symbol('patch-factory.promote-step-hook');
