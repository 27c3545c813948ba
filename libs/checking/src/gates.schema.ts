import { z } from 'zod';

/** Where the gates policy lives in the definitions repository (read at the run's branch). */
export const GATES_PATH = '.patch-factory/gates.yaml';

/** Severities a policy may fail on (those libs/vuln rates with). */
export const GATE_SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;
export type GateSeverity = (typeof GATE_SEVERITIES)[number];

const TestsGateSchema = z.strictObject({
  /**
   * `any`: one failing image test or policy check fails the stage; `none`: failures are reported,
   * never fatal. Either way a run in which no test and no check ran fails (`tests-none-ran`).
   */
  failOn: z.enum(['any', 'none']).default('any'),
});

const VulnerabilitiesGateSchema = z.strictObject({
  /** A fixable finding the previous scan did not have fails the stage when its severity is one of these. */
  failOnNewFixable: z.array(z.enum(GATE_SEVERITIES)).max(GATE_SEVERITIES.length).default(['critical', 'high']),
});

const SbomGateSchema = z.strictObject({
  /** Every platform must have both SBOMs (an image without a package database fails). Either way, an SBOM made must be valid by its official schema (`sbom-invalid`). */
  required: z.boolean().default(true),
});

/** `.patch-factory/gates.yaml`: what fails a run at `test` and `scan`. Every part is optional; unknown keys are refused. */
export const GatesSchema = z.strictObject({
  tests: TestsGateSchema.default({ failOn: 'any' }),
  vulnerabilities: VulnerabilitiesGateSchema.default({ failOnNewFixable: ['critical', 'high'] }),
  sbom: SbomGateSchema.default({ required: true }),
});

export type GatesPolicy = z.output<typeof GatesSchema>;

/** The policy when the catalog has no gates file. */
export const DEFAULT_GATES: GatesPolicy = Object.freeze({
  tests: { failOn: 'any' },
  vulnerabilities: { failOnNewFixable: ['critical', 'high'] },
  sbom: { required: true },
}) as GatesPolicy;
