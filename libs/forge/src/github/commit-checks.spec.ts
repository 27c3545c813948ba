import { checkRunState, judgeChecks, statusState, type ReportedCheck } from './commit-checks';

const run = (name: string, status: string, conclusion: string | null, appId = 15368): ReportedCheck => ({
  kind: 'check run',
  name,
  state: checkRunState(status, conclusion),
  said: conclusion ?? status,
  appId,
});

describe('judgeChecks', () => {
  it('counts success, neutral and skipped check runs green; every other conclusion red; unfinished runs pending', () => {
    expect(['success', 'neutral', 'skipped'].map((c) => checkRunState('completed', c))).toEqual([
      'green',
      'green',
      'green',
    ]);
    expect(
      ['failure', 'cancelled', 'timed_out', 'action_required', 'stale', 'startup_failure'].map((c) =>
        checkRunState('completed', c),
      ),
    ).toEqual(Array(6).fill('red'));
    expect(checkRunState('completed', null)).toBe('red');
    expect(['queued', 'in_progress', 'waiting', 'requested', 'pending'].map((s) => checkRunState(s, null))).toEqual(
      Array(5).fill('pending'),
    );
    expect([statusState('success'), statusState('pending'), statusState('failure'), statusState('error')]).toEqual([
      'green',
      'pending',
      'red',
      'red',
    ]);
  });

  it('red beats pending, a missing required check is pending, nothing at all is none unless allowed', () => {
    expect(judgeChecks([run('a', 'completed', 'stale'), run('b', 'queued', null)], [], false)).toMatchObject({
      state: 'failed',
      detail: 'failed: check run a (stale)',
    });
    expect(judgeChecks([run('a', 'completed', 'success')], [{ context: 'b' }], false)).toMatchObject({
      state: 'pending',
      detail: 'waiting for b (required, not reported)',
    });
    expect(judgeChecks([], [{ context: 'b' }], true).state).toBe('pending');
    expect(judgeChecks([], [], false).state).toBe('none');
    expect(judgeChecks([], [], true).state).toBe('green');
    expect(judgeChecks([run('b', 'completed', 'success', 2)], [{ context: 'b', appId: 1 }], false).state).toBe(
      'pending',
    );
    expect(
      judgeChecks([{ kind: 'status', name: 'b', state: 'green', said: 'success' }], [{ context: 'b' }], false).state,
    ).toBe('green');
  });

  it('names at most five failing checks', () => {
    const detail = judgeChecks(
      Array.from({ length: 8 }, (_, i) => run(`j${i}`, 'completed', 'failure')),
      [],
      false,
    ).detail;
    expect(detail).toContain('j4 (failure) and 3 more');
    expect(detail).not.toContain('j5');
  });
});
