import type { CtrfReport } from '@patch-factory/imagetest';
import type { GatesPolicy } from './gates.schema';
import { evaluateSbomSchemas } from './sbom-gate';
import { diffScans, type ComparableReport, type FindingRef } from './scan-report';

/** A gate's verdict: `reasons` name what failed it (and, for a gate that passes, what was let through). */
export interface GateVerdict {
  passed: boolean;
  reasons: string[];
  /** Why a failing verdict fails, when it is not the failures named: `tests-none-ran`. */
  code?: 'tests-none-ran';
}

/**
 * The tests gate over a CTRF report: a failed test or policy check fails it unless `tests.failOn`
 * is `none`. A report in which no test and no check ran (none, or every one skipped) fails it
 * whatever the policy, with code `tests-none-ran` and a reason naming the image and platforms
 * (the report's environment `appName`, `buildName`, `platforms`): nothing vouches for the image.
 */
export function evaluateTests(report: CtrfReport, policy: GatesPolicy): GateVerdict {
  const ran = report.results.tests.filter((t) => t.status === 'passed' || t.status === 'failed');
  if (ran.length === 0) {
    const env = report.results.environment ?? {};
    const image =
      [env['appName'], env['buildName']].filter((v) => v !== undefined && v !== '').join(' ') || 'the image';
    const skipped = report.results.tests.filter((t) => t.status === 'skipped');
    const why =
      skipped.length === 0
        ? 'the report holds no test or check'
        : `all ${skipped.length} were skipped (first: ${skipped[0]?.name ?? '?'}${skipped[0]?.message ? `: ${skipped[0].message}` : ''})`;
    return {
      passed: false,
      code: 'tests-none-ran',
      reasons: [`no image test and no policy check ran for ${image} (platforms ${env['platforms'] || 'none'}): ${why}`],
    };
  }
  const failed = ran.filter((t) => t.status === 'failed');
  const reasons = failed.map((t) => (t.message ? `${t.name}: ${t.message}` : t.name));
  return { passed: failed.length === 0 || policy.tests.failOn === 'none', reasons };
}

/** The SBOM gate: every platform must have its SBOMs when `sbom.required`. */
export function evaluateSbom(report: Pick<ComparableReport, 'platforms'>, policy: GatesPolicy): GateVerdict {
  const missing = report.platforms.filter((p) => p.sbom === undefined);
  const reasons = missing.map((p) => `${p.platform}: no SBOM${p.sbomProblem ? ` (${p.sbomProblem})` : ''}`);
  return { passed: missing.length === 0 || !policy.sbom.required, reasons };
}

export interface VulnerabilityVerdict extends GateVerdict {
  /** The new fixable findings at a failing severity. */
  blocking: FindingRef[];
}

/**
 * The vulnerability gate: a fixable finding that `previous` (the definition's last recorded
 * scan) does not have, with a severity in `vulnerabilities.failOnNewFixable`, fails it. Without
 * a previous report every finding is new.
 */
export function evaluateVulnerabilities(
  report: ComparableReport,
  policy: GatesPolicy,
  previous?: ComparableReport,
): VulnerabilityVerdict {
  const failing = new Set<string>(policy.vulnerabilities.failOnNewFixable);
  const blocking = diffScans(report, previous).new.filter((f) => f.fixable && failing.has(f.severity));
  const reasons = blocking.map(
    (f) => `${f.id} (${f.severity}) in ${f.package} ${f.installed}, fixed in ${f.fixedVersion ?? '?'}`,
  );
  return { passed: blocking.length === 0, reasons, blocking };
}

/** The scan gates: SBOMs present, SBOMs valid by their official schemas (`sbom-invalid`, see sbom-gate.ts), then vulnerabilities. */
export function evaluateScan(report: ComparableReport, policy: GatesPolicy, previous?: ComparableReport): GateVerdict {
  const sbom = evaluateSbom(report, policy);
  const schemas = evaluateSbomSchemas(report);
  const vulns = evaluateVulnerabilities(report, policy, previous);
  return {
    passed: sbom.passed && schemas.passed && vulns.passed,
    reasons: [...(sbom.passed ? [] : sbom.reasons), ...schemas.reasons, ...vulns.reasons],
  };
}
