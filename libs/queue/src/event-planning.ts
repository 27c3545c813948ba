import type { UpstreamEvent } from '@patch-factory/contracts';

/**
 * The planning lane's BullMQ priorities (1 is taken first; FIFO within one priority): a
 * security fix is planned before a plain update, the most severe first. Every planning job
 * carries one: BullMQ takes a job without priority before every prioritized job.
 */
export const PLANNING_PRIORITY = {
  critical: 1,
  high: 2,
  medium: 3,
  low: 4,
  /** A security fix of no known severity: an advisory's fix without one, a security suite's update. */
  security: 5,
  /** A plain upstream update (also a planning job enqueued without a priority: a replay, a soak re-plan). */
  update: 6,
} as const;

/** The planning priority of an event: its severity, else security (advisory or security suite), else plain update. */
export function planningPriority(event: Pick<UpstreamEvent, 'severity' | 'advisory' | 'security'>): number {
  const s = event.severity;
  if (s === 'critical' || s === 'high' || s === 'medium' || s === 'low') return PLANNING_PRIORITY[s];
  if (event.advisory !== undefined || event.security !== undefined) return PLANNING_PRIORITY.security;
  return PLANNING_PRIORITY.update;
}
