import Ajv from 'ajv';
import { buildCtrfReport } from './ctrf-report';
import { CTRF_SUBSET_SCHEMA } from './ctrf-subset-schema.fixture';
import type { PolicyCheckResult } from './policy-checks';

const check = (
  id: PolicyCheckResult['id'],
  status: PolicyCheckResult['status'],
  message: string,
): PolicyCheckResult => ({ id, status, findings: [], message, durationMs: 2 });

/** Issue 15: a report over several platforms says which platform each result is of, and what did not run. */
describe('buildCtrfReport over the platforms of an image', () => {
  const report = buildCtrfReport({
    start: 1000,
    stop: 1500,
    tests: [
      {
        name: 'smoke',
        status: 'passed',
        durationMs: 5,
        timedOut: false,
        output: '',
        message: 'ok',
        platform: 'linux/amd64',
      },
    ],
    checks: [
      { ...check('no-setuid-setgid', 'passed', 'no setuid or setgid files'), platform: 'linux/amd64' },
      {
        ...check('no-setuid-setgid', 'failed', '1 setuid/setgid file: /usr/bin/helper (setuid)'),
        findings: [{ path: '/usr/bin/helper', kind: 'setuid', detail: 'mode 4755' }],
        platform: 'linux/arm64',
      },
    ],
    notRun: [
      {
        name: 'smoke',
        reason: 'not executed: linux/arm64 programs do not run on this host (it runs linux/amd64)',
        platform: 'linux/arm64',
      },
    ],
  });

  it('names, suites and tags each result by its platform, and lists what did not run as skipped with the reason', () => {
    expect(report.results.tests.map((t) => [t.name, t.status, t.suite, t.tags, t.type])).toEqual([
      ['linux/amd64: smoke', 'passed', ['image tests', 'linux/amd64'], ['linux/amd64'], 'image-test'],
      ['linux/amd64: policy: no-setuid-setgid', 'passed', ['policy', 'linux/amd64'], ['linux/amd64'], 'policy-check'],
      ['linux/arm64: policy: no-setuid-setgid', 'failed', ['policy', 'linux/arm64'], ['linux/arm64'], 'policy-check'],
      ['linux/arm64: smoke', 'skipped', ['image tests', 'linux/arm64'], ['linux/arm64'], 'image-test'],
    ]);
    expect(report.results.tests[2]?.trace).toBe('/usr/bin/helper: setuid (mode 4755)');
    expect(report.results.tests[3]?.message).toBe(
      'not executed: linux/arm64 programs do not run on this host (it runs linux/amd64)',
    );
    expect(report.results.summary).toMatchObject({ tests: 4, passed: 2, failed: 1, skipped: 1 });
  });

  it('is valid CTRF (the subset schema, tags included)', () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(CTRF_SUBSET_SCHEMA);
    expect(validate(report) ? null : validate.errors).toBeNull();
  });

  it('without platforms names results as before', () => {
    const plain = buildCtrfReport({ start: 0, stop: 1, checks: [check('no-shell', 'passed', 'none')] });
    expect(plain.results.tests).toEqual([
      {
        name: 'policy: no-shell',
        status: 'passed',
        duration: 2,
        suite: ['policy'],
        type: 'policy-check',
        message: 'none',
      },
    ]);
  });
});
