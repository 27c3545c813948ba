import { readTar } from '@patch-factory/oci';
import { ApkErrorCode } from '../alpine-errors';

/** One regular file of a tar archive (its bytes are a view into the archive). */
export interface ApkTarFile {
  /** The entry's path, normalised (`./APKINDEX` is `APKINDEX`). */
  name: string;
  data: Buffer;
}

/** Most entries read from one archive. */
export const MAX_TAR_ENTRIES = 10_000;

/** Every failure of an index's tar is apk-index-invalid. */
const APK_TAR_CODES = {
  invalid: ApkErrorCode.indexInvalid,
  unsafe: ApkErrorCode.indexInvalid,
  unsupported: ApkErrorCode.indexInvalid,
};

/**
 * The regular files of a tar of an APK index (its signature part, its index part), in order,
 * read in memory by libs/oci's tar reader: checked checksums, sizes bounded by the archive,
 * pax and GNU long names applied, no entry escaping the root, at most MAX_TAR_ENTRIES entries.
 * Directories and links are left out. The archive may end without its two zero blocks (apk cuts
 * them from the signature tar). Throws TerminalError(apk-index-invalid).
 */
export function readApkTar(archive: Buffer, what: string): ApkTarFile[] {
  return readTar(archive, { what, maxEntries: MAX_TAR_ENTRIES, codes: APK_TAR_CODES })
    .filter((e) => e.type === 'file')
    .map((e) => ({ name: e.path, data: e.data }));
}
