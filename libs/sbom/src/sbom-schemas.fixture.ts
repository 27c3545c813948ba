// Test helpers (not a suite): the SBOM validators of libs/testing (the official CycloneDX 1.6 and
// SPDX 2.3 schemas), plus the SPDX spec rules a JSON schema cannot state.
export { SPDX_23_SCHEMA, cycloneDx16Validator, spdx23Validator, type Validate } from '@patch-factory/testing';

/**
 * The SPDX 2.3 rules the official schema leaves to the spec text (see spdxRuleProblems of
 * spdx-rules.ts, which the scan stage's sbom-invalid gate runs too), as messages.
 */
export { spdxReferenceErrors } from './spdx-rules';
