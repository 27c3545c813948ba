import { spawn } from 'node:child_process';

/**
 * The uncompressed size of a single-stream .xz file, read from its index (the stream footer
 * points back to it), or undefined when the buffer is not exactly one well-formed stream
 * (then it is decompressed alone and xz reports what is wrong). xz checks the index against
 * the data it decodes, so a lying index makes xz fail rather than mis-split a batch.
 */
export function xzUncompressedSize(buf: Buffer): number | undefined {
  if (buf.length < 32 || buf.length % 4 !== 0) return undefined;
  if (!buf.subarray(0, 6).equals(XZ_MAGIC) || buf.toString('latin1', buf.length - 2) !== 'YZ') return undefined;
  const footer = buf.length - 12;
  const indexSize = (buf.readUInt32LE(footer + 4) + 1) * 4;
  const indexStart = footer - indexSize;
  if (indexStart < 12 || buf[indexStart] !== 0x00) return undefined;
  const pos = { at: indexStart + 1 };
  const records = varint(buf, pos, footer);
  if (records === undefined || records > 1_000_000) return undefined;
  let blocks = 0;
  let total = 0;
  for (let i = 0; i < records; i++) {
    const unpadded = varint(buf, pos, footer);
    const size = varint(buf, pos, footer);
    if (unpadded === undefined || size === undefined) return undefined;
    blocks += Math.ceil(unpadded / 4) * 4;
    total += size;
  }
  // One stream exactly: header (12) + blocks + index + footer (12) is the whole buffer.
  if (12 + blocks + indexSize + 12 !== buf.length || !Number.isSafeInteger(total)) return undefined;
  return total;
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

function varint(buf: Buffer, pos: { at: number }, end: number): number | undefined {
  let value = 0;
  for (let shift = 0; shift < 63; shift += 7) {
    if (pos.at >= end) return undefined;
    const byte = buf[pos.at++] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value;
  }
  return undefined;
}

export interface XzJob {
  data: Buffer;
  /** From the stream's index (xzUncompressedSize). */
  size: number;
}

/**
 * Decompresses several single-stream .xz buffers with one `xz -dc` process (their
 * concatenation is a valid multi-stream file) and splits the output by the sizes their
 * indexes give. Resolves undefined when xz fails or the output does not add up, so the
 * caller can decompress each alone and name the one that is broken. One process instead of
 * one per package: spawning from a large Node process costs milliseconds each.
 */
export function xzBatch(jobs: readonly XzJob[]): Promise<Buffer[] | undefined> {
  const expected = jobs.reduce((n, j) => n + j.size, 0);
  return new Promise((done) => {
    const child = spawn('xz', ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const out = Buffer.allocUnsafe(expected);
    let total = 0;
    let over = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (total + chunk.length > expected) {
        over = true;
        child.kill('SIGKILL');
        return;
      }
      chunk.copy(out, total);
      total += chunk.length;
    });
    child.stdin.on('error', () => undefined);
    child.on('error', () => done(undefined));
    child.on('close', (code) => {
      if (code !== 0 || over || total !== expected) return done(undefined);
      const parts: Buffer[] = [];
      let at = 0;
      for (const j of jobs) {
        parts.push(out.subarray(at, at + j.size));
        at += j.size;
      }
      done(parts);
    });
    for (const j of jobs) child.stdin.write(j.data);
    child.stdin.end();
  });
}

/** The most decompressed bytes one batch holds in memory at once. */
export const MAX_BATCH_OUTPUT = 1024 * 1024 * 1024;

interface Pending extends XzJob {
  resolve: (out: Buffer | undefined) => void;
}

/**
 * Gathers the xz decompressions asked for in one turn of the event loop and runs them as
 * at most `lanes` batches (one xz process each, in parallel), balanced by size. A request
 * resolves with its bytes, or undefined when its batch failed (decompress it alone then).
 */
export class XzBatcher {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly lanes = 2) {}

  decompress(data: Buffer, size: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      this.queue.push({ data, size, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const jobs = this.queue;
    this.queue = [];
    this.scheduled = false;
    const batches: Pending[][] = Array.from({ length: Math.min(this.lanes, jobs.length) }, () => []);
    const load = batches.map(() => 0);
    for (const job of [...jobs].sort((a, b) => b.data.length - a.data.length)) {
      const lane = load.indexOf(Math.min(...load));
      batches[lane]?.push(job);
      load[lane] = (load[lane] ?? 0) + job.data.length;
    }
    for (const batch of batches) {
      // A batch's output is held whole: past MAX_BATCH_OUTPUT its jobs go one by one (streamed, bounded).
      const output = batch.reduce((n, j) => n + j.size, 0);
      const run = output > MAX_BATCH_OUTPUT ? Promise.resolve(undefined) : xzBatch(batch).catch(() => undefined);
      void run.then((parts) => batch.forEach((job, i) => job.resolve(parts?.[i])));
    }
  }
}
