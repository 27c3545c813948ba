import { TerminalError } from '@patch-factory/contracts';

/** Codes of the image build as a whole (the parts have their own: resolve, deb, rootfs, oci, source, sandbox). */
export const BuildErrorCode = {
  definitionInvalid: 'build-definition-invalid',
  platformUnsupported: 'build-platform-unsupported',
  noRepositories: 'build-no-repositories',
  cancelled: 'build-cancelled',
  outputUnsafe: 'build-out-dir-unsafe',
} as const;

export type BuildErrorCode = (typeof BuildErrorCode)[keyof typeof BuildErrorCode];

export function buildTerminal(code: BuildErrorCode, message: string): TerminalError {
  return new TerminalError(code, message);
}
