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
  /** The platform (`os/arch[/variant]`) a result is of, when the report covers platforms. */
  tags?: string[];
}

/** A Common Test Report Format document (spec 0.0.0): the fields this lib writes. */
export interface CtrfReport {
  reportFormat: 'CTRF';
  specVersion: string;
  generatedBy?: string;
  timestamp?: string;
  results: {
    tool: { name: string; version?: string };
    summary: {
      tests: number;
      passed: number;
      failed: number;
      pending: number;
      skipped: number;
      other: number;
      start: number;
      stop: number;
      duration?: number;
    };
    tests: CtrfTest[];
    environment?: Record<string, string>;
  };
}

/** A result of one platform of a multi-platform image: named `<platform>: …`, tagged and in a suite by it. */
export type OfPlatform<T> = T & { platform?: string };

/** A test or check that was not run: a CTRF `skipped` entry whose message says why, so the report shows it. */
export interface NotRunEntry {
  /** The test's name (or `policy: <id>`). */
  name: string;
  /** Why it did not run, e.g. `not executed: this host runs linux/amd64`. */
  reason: string;
  platform?: string;
  /** `image-test` (default) or `policy-check`. */
  type?: 'image-test' | 'policy-check';
}

export interface CtrfReportInput {
  tests?: readonly OfPlatform<ImageTestResult>[];
  checks?: readonly OfPlatform<PolicyCheckResult>[];
  notRun?: readonly NotRunEntry[];
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
 * (suite `policy`, named `policy: <id>`, findings in `trace`), then what was not run (`skipped`,
 * the reason as message). A result with a platform is named `<platform>: <name>`, has the
 * platform as second suite level and as tag, so a failure says which platform. Durations and
 * times are whole milliseconds; the summary counts every status.
 */
export function buildCtrfReport(input: CtrfReportInput): CtrfReport {
  const tests: CtrfTest[] = [
    ...(input.tests ?? []).map((t): CtrfTest => ({
      ...named(t.name, 'image tests', t.platform),
      status: t.status,
      duration: whole(t.durationMs),
      type: 'image-test',
      message: t.message,
      ...(t.status === 'failed' && t.output !== '' ? { trace: t.output } : {}),
    })),
    ...(input.checks ?? []).map((c): CtrfTest => ({
      ...named(`policy: ${c.id}`, 'policy', c.platform),
      status: c.status,
      duration: whole(c.durationMs),
      type: 'policy-check',
      message: c.message,
      ...(c.findings.length > 0
        ? {
            trace: c.findings
              .map((f) => `${f.path}: ${f.kind}${f.detail === undefined ? '' : ` (${f.detail})`}`)
              .join('\n'),
          }
        : {}),
    })),
    ...(input.notRun ?? []).map((n): CtrfTest => ({
      ...named(n.name, n.type === 'policy-check' ? 'policy' : 'image tests', n.platform),
      status: 'skipped',
      duration: 0,
      type: n.type ?? 'image-test',
      message: n.reason,
    })),
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
      summary: {
        tests: tests.length,
        passed: count('passed'),
        failed: count('failed'),
        pending: count('pending'),
        skipped: count('skipped'),
        other: count('other'),
        start,
        stop,
        duration: stop - start,
      },
      tests,
      ...(input.environment === undefined ? {} : { environment: input.environment }),
    },
  };
}

function named(name: string, suite: string, platform: string | undefined): Pick<CtrfTest, 'name' | 'suite' | 'tags'> {
  if (platform === undefined) return { name, suite: [suite] };
  return { name: `${platform}: ${name}`, suite: [suite, platform], tags: [platform] };
}

function whole(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : 0;
}
