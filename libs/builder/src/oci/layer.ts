import { promisify } from 'node:util';
import { constants, gzip, gzipSync, type ZlibOptions } from 'node:zlib';
import type { TarEntry } from '@patch-factory/oci';
import { sha256Digest } from './canonical-json';
import { writeTar } from './tar-write';

export const OCI_LAYER_GZIP_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** One compressed layer blob and the digests an image manifest and config refer to it by. */
export interface LayerBlob {
  /** The gzip-compressed tar (the blob). */
  blob: Buffer;
  /** `sha256:<hex>` of the blob: the manifest's layer digest. */
  digest: string;
  /** Bytes of the blob. */
  size: number;
  /** `sha256:<hex>` of the uncompressed tar: the config's `rootfs.diff_ids` entry. */
  diffId: string;
  /** Bytes of the uncompressed tar. */
  uncompressedSize: number;
}

/** gzip header: magic, deflate, no flags (no name, no comment), mtime 0, xfl 0, then OS. */
const FIXED_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
/** OS byte: 3 (Unix), whatever platform zlib was built for. */
const OS_UNIX = 0x03;

/**
 * gzips a layer tar deterministically: fixed zlib settings (level 6, window 15, memLevel 8,
 * default strategy) and a fixed header (no file name, mtime 0, OS byte forced to Unix; the
 * header is not covered by the gzip CRC). The same tar gives the same blob with the same
 * zlib; the diff_id never depends on zlib.
 */
export function compressLayer(tar: Buffer): LayerBlob {
  return fixedGzip(tar, gzipSync(tar, GZIP_OPTIONS));
}

/** `compressLayer` on zlib's thread pool: several layers compress at once, on every core; same bytes. */
export async function compressLayerAsync(tar: Buffer): Promise<LayerBlob> {
  return fixedGzip(tar, await gzipAsync(tar, GZIP_OPTIONS));
}

const GZIP_OPTIONS: ZlibOptions = { level: 6, windowBits: 15, memLevel: 8, strategy: constants.Z_DEFAULT_STRATEGY };
const gzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gzip);

function fixedGzip(tar: Buffer, blob: Buffer): LayerBlob {
  if (blob.length < 18 || !blob.subarray(0, FIXED_HEADER.length).equals(FIXED_HEADER)) {
    throw new Error(
      `zlib wrote an unexpected gzip header ${blob.subarray(0, 10).toString('hex')}; layer digests would not be reproducible`,
    );
  }
  blob[9] = OS_UNIX;
  return {
    blob,
    digest: sha256Digest(blob),
    size: blob.length,
    diffId: sha256Digest(tar),
    uncompressedSize: tar.length,
  };
}

/** `writeTar` + `compressLayer`: one layer blob from entries. */
export function buildLayer(entries: readonly TarEntry[], sourceDateEpoch: number, what?: string): LayerBlob {
  return compressLayer(writeTar(entries, what === undefined ? { sourceDateEpoch } : { sourceDateEpoch, what }));
}
