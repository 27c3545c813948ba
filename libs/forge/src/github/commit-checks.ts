/** How one reported check stands. */
export type CheckState = 'green' | 'pending' | 'red';

/** A commit status (by context) or a check run (by name) on the head commit. */
export interface ReportedCheck {
  kind: 'status' | 'check run';
  /** The status context or the check run name. */
  name: string;
  state: CheckState;
  /** What the forge said (state, or status/conclusion), for the reason a person reads. */
  said: string;
  /** The GitHub App that reported a check run. */
  appId?: number;
}

/** A check branch protection requires; `appId` undefined: any reporter. */
export interface RequiredCheck {
  context: string;
  appId?: number;
}

/** Whether the head commit may merge as far as checks go. */
export interface ChecksVerdict {
  state: 'green' | 'pending' | 'failed' | 'none';
  /** A short reason a person can read. */
  detail: string;
}

const GREEN_CONCLUSIONS = new Set(['success', 'neutral', 'skipped']);
const MAX_NAMED = 5;

/**
 * A check run's state: not `completed` yet is pending; completed with success, neutral or
 * skipped is green; every other conclusion (failure, cancelled, timed_out, action_required,
 * stale, none, or one GitHub adds later) is red.
 */
export function checkRunState(status: string, conclusion: string | null | undefined): CheckState {
  if (status !== 'completed') return 'pending';
  return conclusion && GREEN_CONCLUSIONS.has(conclusion) ? 'green' : 'red';
}

/** A commit status's state: success is green, pending pending, failure/error (or anything else) red. */
export function statusState(state: string): CheckState {
  if (state === 'success') return 'green';
  if (state === 'pending') return 'pending';
  return 'red';
}

function names(list: string[]): string {
  const shown = list.slice(0, MAX_NAMED).join(', ');
  return list.length > MAX_NAMED ? `${shown} and ${list.length - MAX_NAMED} more` : shown;
}

function matches(check: ReportedCheck, required: RequiredCheck): boolean {
  if (check.name !== required.context) return false;
  // A check bound to an app is satisfied only by that app's check runs.
  return required.appId === undefined || (check.kind === 'check run' && check.appId === required.appId);
}

/**
 * Judge the checks of a head commit: any red check fails it; a required check that has not
 * reported (or is still running) and any running check keep it pending; no check at all is
 * `none` unless `allowUnchecked`; otherwise green.
 */
export function judgeChecks(
  reported: ReportedCheck[],
  required: RequiredCheck[],
  allowUnchecked: boolean,
): ChecksVerdict {
  const red = reported.filter((c) => c.state === 'red');
  if (red.length > 0)
    return { state: 'failed', detail: `failed: ${names(red.map((c) => `${c.kind} ${c.name} (${c.said})`))}` };
  const missing: string[] = [];
  for (const r of required) {
    const found = reported.filter((c) => matches(c, r));
    if (!found.some((c) => c.state === 'green'))
      missing.push(
        found.length === 0
          ? `${r.context} (required, not reported)`
          : `${r.context} (required, ${found[0]?.said ?? 'pending'})`,
      );
  }
  if (missing.length > 0) return { state: 'pending', detail: `waiting for ${names(missing)}` };
  const running = reported.filter((c) => c.state === 'pending');
  if (running.length > 0)
    return { state: 'pending', detail: `waiting for ${names(running.map((c) => `${c.kind} ${c.name} (${c.said})`))}` };
  if (reported.length === 0) {
    return allowUnchecked
      ? { state: 'green', detail: 'no checks reported; the policy allows merging unchecked changes' }
      : {
          state: 'none',
          detail:
            'the head commit reports no commit status and no check run (no CI ran): set up CI on the repository, or set allowUnchecked in the auto-merge policy',
        };
  }
  return { state: 'green', detail: `${reported.length} check(s) passed` };
}
