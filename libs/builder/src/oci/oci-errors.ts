import { TerminalError } from '@patch-factory/contracts';

/** Stable codes of the OCI layout writer (rule 5 of DESIGN.md). */
export const OciWriteErrorCode = {
  /** An entry path (or hard link / symlink target) would escape the image root. */
  unsafePath: 'build-unsafe-path',
  /** A layer entry is malformed: duplicate path, bad mode/uid/gid, dangling hard link. */
  layerInvalid: 'build-layer-invalid',
  /** The image description is malformed: platform, config or SOURCE_DATE_EPOCH. */
  imageInvalid: 'build-image-invalid',
} as const;

export type OciWriteErrorCode = (typeof OciWriteErrorCode)[keyof typeof OciWriteErrorCode];

/** An image-writing failure that will not pass by retrying. */
export function ociTerminal(code: OciWriteErrorCode, message: string): TerminalError {
  return new TerminalError(code, message);
}
