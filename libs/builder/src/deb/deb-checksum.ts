import { createHash } from 'node:crypto';
import type { DebianPackage } from '@patch-factory/debian';
import { BuilderErrorCode, builderTerminal } from '../builder-errors';

/**
 * Checks a downloaded .deb against its index entry: SHA256 (required) and Size (when given).
 * Throws `build-checksum-missing` when the index has no SHA256 and `build-checksum-mismatch`
 * naming the package when the bytes differ.
 */
export function verifyDebChecksum(
  data: Buffer,
  pkg: Pick<DebianPackage, 'Package' | 'Version' | 'SHA256' | 'Size'>,
): void {
  const name = `${pkg.Package} ${pkg.Version}`;
  if (pkg.SHA256 === undefined) {
    throw builderTerminal(
      BuilderErrorCode.checksumMissing,
      `the index gives no SHA256 for ${name}; refusing an unverifiable package: use a repository whose Packages index has SHA256`,
    );
  }
  if (pkg.Size !== undefined && pkg.Size !== data.length) {
    throw builderTerminal(
      BuilderErrorCode.checksumMismatch,
      `${name} is ${data.length} bytes but the index says ${pkg.Size}: the download is damaged or tampered with; retry from another mirror`,
    );
  }
  const actual = createHash('sha256').update(data).digest('hex');
  if (actual !== pkg.SHA256.toLowerCase()) {
    throw builderTerminal(
      BuilderErrorCode.checksumMismatch,
      `${name} has SHA256 ${actual} but the index says ${pkg.SHA256}: the download is damaged or tampered with; retry from another mirror`,
    );
  }
}
