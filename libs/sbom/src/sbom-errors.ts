import { TerminalError } from '@patch-factory/contracts';

/** Stable codes of the SBOM generator. */
export const SbomErrorCode = {
  /** `var/lib/dpkg/status` is malformed, too large, or lists a package twice. */
  statusInvalid: 'sbom-status-invalid',
  /** `lib/apk/db/installed` is malformed, too large, or lists a package twice. */
  apkDbInvalid: 'sbom-apk-db-invalid',
  /** The image has both a dpkg and an apk database listing packages: which one is the image's is not clear. */
  databaseConflict: 'sbom-database-conflict',
  /** The image description (name, digest, platform, timestamp) is not usable. */
  inputInvalid: 'sbom-input-invalid',
  /** The official SPDX 2.3 JSON schema the SBOMs are validated with cannot be read (PF_SPDX_SCHEMA_PATH). */
  schemaMissing: 'sbom-schema-missing',
} as const;

export type SbomErrorCode = (typeof SbomErrorCode)[keyof typeof SbomErrorCode];

export function sbomTerminal(code: SbomErrorCode, message: string): TerminalError {
  return new TerminalError(code, message);
}
