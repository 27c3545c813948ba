import { createHash, type Hash } from 'node:crypto';
import { open, lstat, type FileHandle } from 'node:fs/promises';
import { TerminalError } from '@patch-factory/contracts';
import { OciErrorCode } from './oci-errors';

/** Where a blob's bytes come from: a file (read in chunks, never whole when large) or a buffer. */
export type BlobSource = { path: string } | { bytes: Buffer };

/**
 * Random-access reads of one blob that hash every byte once, in order, so that what was sent
 * can be checked against the declared digest even when an upload resumes or restarts.
 */
export class BlobReader {
  private hash: Hash = createHash('sha256');
  private hashed = 0;

  private constructor(
    readonly size: number,
    private readonly file: FileHandle | undefined,
    private readonly bytes: Buffer | undefined,
  ) {}

  /** Open `source`: a file must be a regular file (no symlink). */
  static async open(source: BlobSource, what: string): Promise<BlobReader> {
    if ('bytes' in source) return new BlobReader(source.bytes.length, undefined, source.bytes);
    const st = await lstat(source.path).catch((error: unknown) => {
      throw new TerminalError(
        OciErrorCode.invalidLayout,
        `${what}: cannot read ${source.path}: ${(error as Error).message}`,
      );
    });
    if (!st.isFile())
      throw new TerminalError(OciErrorCode.invalidLayout, `${what}: ${source.path} is not a regular file`);
    return new BlobReader(st.size, await open(source.path, 'r'), undefined);
  }

  /** `length` bytes at `offset` (hashing those not hashed yet). */
  async read(offset: number, length: number): Promise<Buffer> {
    if (offset > this.hashed) await this.hashTo(offset);
    const chunk = await this.raw(offset, length);
    const end = offset + chunk.length;
    if (end > this.hashed) {
      this.hash.update(chunk.subarray(this.hashed - offset));
      this.hashed = end;
    }
    return chunk;
  }

  /** `sha256:<hex>` of the whole blob (reads what was not read yet). */
  async digest(): Promise<string> {
    await this.hashTo(this.size);
    return `sha256:${this.hash.copy().digest('hex')}`;
  }

  async close(): Promise<void> {
    await this.file?.close();
  }

  private async hashTo(end: number): Promise<void> {
    const step = 4 * 1024 * 1024;
    while (this.hashed < end) {
      const chunk = await this.raw(this.hashed, Math.min(step, end - this.hashed));
      if (chunk.length === 0)
        throw new TerminalError(OciErrorCode.digestMismatch, 'a blob file shrank while it was read');
      this.hash.update(chunk);
      this.hashed += chunk.length;
    }
  }

  private async raw(offset: number, length: number): Promise<Buffer> {
    const len = Math.max(0, Math.min(length, this.size - offset));
    if (this.bytes) return this.bytes.subarray(offset, offset + len);
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    for (let i = 0; got < len && i < 1_000_000; i++) {
      const { bytesRead } = await (this.file as FileHandle).read(buf, got, len - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === len ? buf : buf.subarray(0, got);
  }
}
