import type { DeadLetterPayload } from '@patch-factory/contracts';

export const DEAD_LETTER_HOOKS = Symbol('patch-factory.dead-letter-hooks');

/**
 * What the domain does when a job is dead-lettered or replayed (e.g. fail or reopen the
 * run). Both calls must be idempotent: a sweep may deliver the same entry twice.
 */
export interface DeadLetterHooks {
  onDeadLetter(entry: DeadLetterPayload): Promise<void>;
  onReplay(entry: DeadLetterPayload): Promise<void>;
}
