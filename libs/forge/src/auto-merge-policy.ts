import { TerminalError } from '@patch-factory/contracts';
import { ForgeErrorCode } from './forge-errors';

/** Qualitative severity of what a patch fixes (OSV/CVSS words); `none`: a plain version update. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** How a change is merged once it may be. */
export type MergeMethod = 'merge' | 'squash' | 'rebase';

/** What happens to a change of one severity. */
export interface AutoMergeRule {
  /** Merge without a person once the run's gates (and the forge's checks) pass. */
  autoMerge: boolean;
  /** How to merge (the branch provider fast-forwards when it can, else makes a merge commit). */
  method: MergeMethod;
}

/**
 * The per-severity table; a config value replaces it whole. `allowUnchecked` (default false):
 * a change whose head commit reports no checks at all (no commit status, no check run) may
 * still merge; otherwise "no checks" is not green.
 */
export type AutoMergePolicy = Readonly<Record<Severity, AutoMergeRule>> & {
  readonly allowUnchecked?: boolean | undefined;
};

/**
 * The default: fixes for critical and high advisories merge themselves when green; medium,
 * low and plain updates wait for a person.
 */
export const DEFAULT_AUTO_MERGE_POLICY: AutoMergePolicy = {
  critical: { autoMerge: true, method: 'squash' },
  high: { autoMerge: true, method: 'squash' },
  medium: { autoMerge: false, method: 'squash' },
  low: { autoMerge: false, method: 'squash' },
  none: { autoMerge: false, method: 'squash' },
};

/** Check a severity coming from outside. */
export function assertSeverity(value: unknown): Severity {
  if (typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new TerminalError(
    ForgeErrorCode.unsafeInput,
    `the severity ${JSON.stringify(String(value)).slice(0, 40)} is refused: expected one of ${SEVERITIES.join(', ')}`,
  );
}

/** The rule for one severity. */
export function autoMergeRuleFor(policy: AutoMergePolicy, severity: Severity): AutoMergeRule {
  return policy[assertSeverity(severity)];
}

/** The label a change of this severity carries (`severity:high`). */
export function severityLabel(severity: Severity): string {
  return `severity:${assertSeverity(severity)}`;
}
