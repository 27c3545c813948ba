import { TerminalError } from '@patch-factory/contracts';

/** Stable codes of the root file system assembly (rule 5 of DESIGN.md). */
export const RootFsErrorCode = {
  /** Two packages (or a package and the image) ship different things at one path. */
  fileConflict: 'build-file-conflict',
  /** A path would escape the image root or pass through a symlink. */
  unsafePath: 'build-unsafe-path',
  /** A package, account, os-release or paths entry is malformed. */
  rootfsInvalid: 'build-rootfs-invalid',
} as const;

export type RootFsErrorCode = (typeof RootFsErrorCode)[keyof typeof RootFsErrorCode];

/** A root file system failure that will not pass by retrying. */
export function rootfsTerminal(code: RootFsErrorCode, message: string): TerminalError {
  return new TerminalError(code, message);
}
