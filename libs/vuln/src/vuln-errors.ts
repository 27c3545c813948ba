import { TerminalError } from '@patch-factory/contracts';

/** Stable kebab-case codes of the failures this lib raises (rule 5 of DESIGN.md). */
export const VulnErrorCode = {
  /** A feed (OSV record, tracker JSON) or one of its records is not what it should be. */
  invalidFeed: 'vuln-invalid-feed',
  /** A version string in a feed or in the installed packages is not one of the distro's versions. */
  invalidVersion: 'vuln-invalid-version',
  /** A CVSS vector is malformed. */
  invalidCvss: 'vuln-invalid-cvss',
  /** The scan input (packages, distro) is malformed. */
  invalidInput: 'vuln-invalid-input',
  /** An OpenVEX document or statement is malformed. */
  invalidVex: 'vuln-invalid-vex',
  /** A size limit was passed (records, entries, array lengths). */
  tooLarge: 'vuln-too-large',
} as const;

export type VulnErrorCodeValue = (typeof VulnErrorCode)[keyof typeof VulnErrorCode];

/** A TerminalError whose message starts with where the problem is. */
export function vulnError(code: VulnErrorCodeValue, where: string, message: string): TerminalError {
  return new TerminalError(code, `${where.slice(0, 200)}: ${message}`);
}
