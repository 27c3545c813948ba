import type { TerminalError } from '@patch-factory/contracts';
import { CheckingErrorCode, checkingTerminal } from './checking-errors';
import type { ComparableReport } from './scan-report';

/** A gate's verdict (GateVerdict of gates.ts, which uses this gate). */
interface SbomSchemasVerdict {
  passed: boolean;
  reasons: string[];
}

/** Problems named in the error (the pull request shows its first 600 characters). */
const MAX_NAMED = 5;

/**
 * The `sbom-invalid` gate: every SBOM made must be valid by its format's official schema
 * (CycloneDX 1.6, SPDX 2.3 and the SPDX rules the schema leaves to the spec text), whatever
 * `sbom.required` says: an SBOM that is published must be one. Each reason names the platform,
 * the document, the JSON path in it and the rule (see scanPlatform's `sbomInvalid`).
 */
export function evaluateSbomSchemas(report: Pick<ComparableReport, 'platforms'>): SbomSchemasVerdict {
  const reasons = report.platforms.flatMap((p) => (p.sbomInvalid ?? []).map((problem) => `${p.platform}: ${problem}`));
  return { passed: reasons.length === 0, reasons };
}

/** The run's failure for a failed `sbom-invalid` verdict: the image, the first problems, the report of the run. */
export function sbomInvalidError(
  run: { definition: string; digest: string; report: string },
  verdict: SbomSchemasVerdict,
): TerminalError {
  const n = verdict.reasons.length;
  const more = n > MAX_NAMED ? `; … and ${n - MAX_NAMED} more` : '';
  return checkingTerminal(
    CheckingErrorCode.sbomInvalid,
    `${run.definition} (image ${run.digest}): ${n} SBOM problem${n === 1 ? '' : 's'} against the official schemas: ${verdict.reasons.slice(0, MAX_NAMED).join('; ')}${more} (report ${run.report} of the run)`,
  );
}
