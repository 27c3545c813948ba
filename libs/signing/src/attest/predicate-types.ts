/**
 * The predicate types of the attestations the factory attaches to an image. The first four
 * are the standards' own URIs; the last two are this project's, documented here:
 *
 * - `https://patch-factory.dev/attestation/test-report/v1`: the predicate is a CTRF JSON report
 *   (https://ctrf.io), `{ results: { tool, summary, tests } }`, of the image tests that ran on this digest.
 * - `https://patch-factory.dev/attestation/scan-report/v1`: the predicate is the factory's
 *   vulnerability scan report of this digest (libs/vuln): scanner, database timestamps, matches, VEX applied.
 */
export const PredicateType = {
  slsaProvenance: 'https://slsa.dev/provenance/v1',
  cyclonedx: 'https://cyclonedx.org/bom',
  spdx: 'https://spdx.dev/Document',
  /**
   * OpenVEX: `https://openvex.dev/ns`, the unversioned namespace, not the document's versioned
   * `@context` (OPENVEX_CONTEXT). It is what cosign writes and matches for `--type openvex`
   * (sigstore/cosign pkg/cosign/attestation/attestation.go: `OpenVexNamespace =
   * "https://openvex.dev/ns"`, used by `cosign attest --type openvex` and
   * `verify-attestation --type openvex`), and what the OpenVEX spec's ATTESTING.md shows as the
   * in-toto predicateType; with the versioned URI, `cosign verify-attestation --type openvex`
   * finds no attestation. The predicate's own `@context` says the spec version.
   */
  openvex: 'https://openvex.dev/ns',
  testReport: 'https://patch-factory.dev/attestation/test-report/v1',
  scanReport: 'https://patch-factory.dev/attestation/scan-report/v1',
} as const;

export type PredicateType = (typeof PredicateType)[keyof typeof PredicateType];

/** The `@context` of the OpenVEX documents the factory attests (OpenVEX spec v0.2.0). */
export const OPENVEX_CONTEXT = 'https://openvex.dev/ns/v0.2.0';

/** The build type of provenance for images built by libs/builder from a definition (Debian packages into a root fs). */
export const DEBIAN_ROOTFS_BUILD_TYPE = 'https://patch-factory.dev/build/debian-rootfs/v1';
