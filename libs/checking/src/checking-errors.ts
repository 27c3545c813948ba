import { TerminalError } from '@patch-factory/contracts';

/** Stable codes of the `test` and `scan` stages (rule 5 of DESIGN.md). */
export const CheckingErrorCode = {
  /** The run has no (usable) output of the build stage: `build.layout`, `build.digest`. */
  buildArtifactMissing: 'build-artifact-missing',
  /** `.patch-factory/gates.yaml` of the catalog is not a valid gates policy (located problems). */
  gatesInvalid: 'gates-invalid',
  /** An image test or policy check failed and the policy fails on it. */
  testsFailed: 'gate-tests-failed',
  /** No image test and no policy check ran (none given, or all skipped): nothing vouches for the image. */
  testsNoneRan: 'gate-tests-none-ran',
  /** A platform's SBOM could not be made (no package database, malformed) while the policy requires one. */
  sbomMissing: 'gate-sbom-missing',
  /** A platform's SBOM breaks its format's official schema (CycloneDX 1.6, SPDX 2.3): which document, where, what rule. */
  sbomInvalid: 'sbom-invalid',
  /** A fixable vulnerability the previous scan of the definition did not have, at a failing severity. */
  newFixableVulnerability: 'gate-new-fixable-vulnerability',
  /** PF_ADVISORY_DIR or one of its files cannot be read. */
  advisoriesInvalid: 'scan-advisories-invalid',
  /** A VEX document of the catalog (`.patch-factory/vex/`) is not well-formed YAML/JSON (located). */
  vexInvalid: 'scan-vex-invalid',
} as const;

export type CheckingErrorCode = (typeof CheckingErrorCode)[keyof typeof CheckingErrorCode];

export function checkingTerminal(code: CheckingErrorCode, message: string, cause?: unknown): TerminalError {
  return new TerminalError(code, message, cause === undefined ? undefined : { cause });
}
