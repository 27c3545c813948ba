import type { PolicyCheckResult } from './policy-checks';
import type { ImageTestResult } from './run-image-tests';

/** CTRF (https://ctrf.io) status of a test. */
export type CtrfStatus = 'passed' | 'failed' | 'skipped' | 'pending' | 'other';

export interface CtrfTest {
  name: string;
  status: CtrfStatus;
  /** Milliseconds. */
  duration: number;
  suite?: string[];
  type?: string;
  message?: string;
  /** For image tests the end of the output; for policy checks one finding a line. */
  trace?: string;
}

/** A Common Test Report Format document (spec 0.0.0): the fields this lib writes. */
export interface CtrfReport {
  reportFormat: 'CTRF';
  specVersion: string;
  generatedBy?: string;
  timestamp?: string;
  results: {
    tool: { name: string; version?: string };
    summary: { tests: number; passed: number; failed: number; pending: number; skipped: number; other: number; start: number; stop: number; duration?: number };
    tests: CtrfTest[];
    environment?: Record<string, string>;
  };
}

export interface CtrfReportInput {
  tests?: readonly ImageTestResult[];
  checks?: readonly PolicyCheckResult[];
  /** Milliseconds since the epoch. */
  start: number;
  stop: number;
  tool?: { name: string; version?: string };
  /** CTRF `environment` (e.g. appName: the image, buildName: its tag). */
  environment?: Record<string, string>;
}

export const CTRF_SPEC_VERSION = '0.0.0';
const TOOL_NAME = 'patch-factory imagetest';

/**
 * The CTRF report of an image's `tests[]` results (suite `image tests`) and its policy checks
 * (suite `policy`, named `policy: <id>`, findings in `trace`). Durations and times are whole
 * milliseconds; the summary counts every status.
 */
export function buildCtrfReport(input: CtrfReportInput): CtrfReport {
  const tests: CtrfTest[] = [
    ...(input.tests ?? []).map(
      (t): CtrfTest => ({
        name: t.name,
        status: t.status,
        duration: whole(t.durationMs),
        suite: ['image tests'],
        type: 'image-test',
        message: t.message,
        ...(t.status === 'failed' && t.output !== '' ? { trace: t.output } : {}),
      }),
    ),
    ...(input.checks ?? []).map(
      (c): CtrfTest => ({
        name: `policy: ${c.id}`,
        status: c.status,
        duration: whole(c.durationMs),
        suite: ['policy'],
        type: 'policy-check',
        message: c.message,
        ...(c.findings.length > 0 ? { trace: c.findings.map((f) => `${f.path}: ${f.kind}${f.detail === undefined ? '' : ` (${f.detail})`}`).join('\n') } : {}),
      }),
    ),
  ];
  const count = (s: CtrfStatus) => tests.filter((t) => t.status === s).length;
  const start = whole(input.start);
  const stop = Math.max(start, whole(input.stop));
  return {
    reportFormat: 'CTRF',
    specVersion: CTRF_SPEC_VERSION,
    generatedBy: TOOL_NAME,
    timestamp: new Date(stop).toISOString(),
    results: {
      tool: input.tool ?? { name: TOOL_NAME },
      summary: { tests: tests.length, passed: count('passed'), failed: count('failed'), pending: count('pending'), skipped: count('skipped'), other: count('other'), start, stop, duration: stop - start },
      tests,
      ...(input.environment === undefined ? {} : { environment: input.environment }),
    },
  };
}

function whole(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : 0;
}
