import { shown, shownPath, TerminalError } from '@patch-factory/contracts';

/** Stable codes of the builder (rule 5 of DESIGN.md). */
export const BuilderErrorCode = {
  specInvalid: 'build-spec-invalid',
  unresolvable: 'build-unresolvable',
  resolveTooComplex: 'build-resolve-too-complex',
  debInvalid: 'build-deb-invalid',
  debTooLarge: 'build-deb-too-large',
  decompressFailed: 'build-decompress-failed',
  unsafeArchive: 'build-unsafe-archive',
  unsupportedEntry: 'build-unsupported-entry',
  checksumMissing: 'build-checksum-missing',
  checksumMismatch: 'build-checksum-mismatch',
} as const;

export type BuilderErrorCode = (typeof BuilderErrorCode)[keyof typeof BuilderErrorCode];

/** A builder failure that will not pass by retrying. */
export function builderTerminal(code: BuilderErrorCode, message: string, cause?: unknown): TerminalError {
  return new TerminalError(code, message, cause === undefined ? undefined : { cause });
}

/** The one `shown` and `shownPath` (libs/contracts), still exported here for the builder's modules and libs/imagetest. */
export { shown, shownPath };
