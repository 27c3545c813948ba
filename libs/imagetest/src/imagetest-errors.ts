import { TerminalError } from '@patch-factory/contracts';

/** Stable codes of image tests and policy checks (rule 5 of DESIGN.md). */
export const ImageTestErrorCode = {
  /** A `tests[]` entry, the image config or an option is malformed (env names, user, timeout, directory). */
  testInvalid: 'image-test-invalid',
  /** The image root cannot be tested: missing, unsafe mount points, unreachable by the image's user. */
  rootUnusable: 'image-test-root-unusable',
  /** The sandbox cannot run what was asked (e.g. chroot without a shell in the image). */
  sandboxUnsupported: 'image-test-sandbox-unsupported',
  /** The sandbox tool could not be started at all. */
  sandboxUnavailable: 'image-test-sandbox-unavailable',
  /** The image root has more entries than a policy walk reads. */
  rootTooLarge: 'image-policy-root-too-large',
  /** The image config's Env, User or WorkingDir is malformed, or User names no user or group of the image. */
  configInvalid: 'image-config-invalid',
} as const;

export type ImageTestErrorCode = (typeof ImageTestErrorCode)[keyof typeof ImageTestErrorCode];

export function imageTestTerminal(code: ImageTestErrorCode, message: string, cause?: unknown): TerminalError {
  return new TerminalError(code, message, cause === undefined ? undefined : { cause });
}
