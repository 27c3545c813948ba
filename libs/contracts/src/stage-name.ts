/**
 * Names of the pipeline stages. Their order lives in one place only:
 * libs/pipeline/src/transitions.ts.
 */
export const STAGE_NAMES = [
  'watch',
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
] as const;

export type StageName = (typeof STAGE_NAMES)[number];

export function isStageName(value: string): value is StageName {
  return (STAGE_NAMES as readonly string[]).includes(value);
}

/** The deployable services (services/<name>). */
export const SERVICE_NAMES = [
  'watcher',
  'orchestrator',
  'builder',
  'tester',
  'scanner',
  'signer',
  'publisher',
  'sla',
  'notifier',
  'api',
  'all-in-one',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
