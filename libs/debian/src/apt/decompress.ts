import { shown } from '@patch-factory/contracts';
import { spawn } from 'node:child_process';
import { gunzip } from 'node:zlib';
import { AptErrorCode, aptTerminal } from '../debian-errors';

/** The forms an index may be published in, by file suffix. */
export type Compression = 'xz' | 'gz' | 'lz4' | 'none';

export const COMPRESSION_SUFFIX: Record<Compression, string> = { xz: '.xz', gz: '.gz', lz4: '.lz4', none: '' };

const DEFAULT_MAX_OUTPUT = 1024 * 1024 * 1024;

/**
 * Decompresses `data` (gz with zlib, xz and lz4 with the `xz` and `lz4` binaries, no shell),
 * refusing more than `maxOutput` bytes out. Throws `apt-decompress-failed` / `apt-too-large`.
 */
export async function decompress(
  data: Buffer,
  compression: Compression,
  what: string,
  maxOutput = DEFAULT_MAX_OUTPUT,
): Promise<Buffer> {
  if (compression === 'none') return data;
  if (compression === 'gz') {
    return new Promise((done, fail) => {
      gunzip(data, { maxOutputLength: maxOutput }, (error, out) => {
        if (!error) return done(out);
        if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return fail(tooLarge(what, maxOutput));
        fail(
          aptTerminal(AptErrorCode.decompressFailed, `${what} is not valid gzip data (${shown(error.message)})`, error),
        );
      });
    });
  }
  return pipeThrough(compression === 'xz' ? 'xz' : 'lz4', ['-dc'], data, what, maxOutput);
}

function tooLarge(what: string, max: number) {
  return aptTerminal(AptErrorCode.tooLarge, `${what} decompresses to more than ${max} bytes; refused`);
}

/** How a bounded pipe through a decompressor fails: more output than allowed, a tool that cannot run, data the tool refuses (its own words). */
export interface PipeFailures {
  tooLarge: () => Error;
  cannotRun: (error: Error) => Error;
  invalid: (detail: string) => Error;
}

/**
 * Pipes `input` through `binary args` (stdin to stdout, no shell), keeping at most `maxOutput`
 * bytes of its output (the tool is killed past it). The one bounded decompressor pipe: APT
 * indexes here (xz, lz4), .deb members in libs/builder (xz).
 */
export function pipeBounded(
  binary: string,
  args: string[],
  input: Buffer,
  maxOutput: number,
  failures: PipeFailures,
): Promise<Buffer> {
  return new Promise((done, fail) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let total = 0;
    let stderr = '';
    let failure: Error | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxOutput) {
        failure ??= failures.tooLarge();
        child.kill('SIGKILL');
      } else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    // The child may stop reading early (bad data, killed): that is reported by its exit.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      failure ??= failures.cannotRun(error);
    });
    child.on('close', (code) => {
      if (failure) return fail(failure);
      if (code !== 0) return fail(failures.invalid(stderr.trim() || `exit ${code}`));
      done(Buffer.concat(chunks, total));
    });
    child.stdin.end(input);
  });
}

function pipeThrough(binary: string, args: string[], input: Buffer, what: string, maxOutput: number): Promise<Buffer> {
  return pipeBounded(binary, args, input, maxOutput, {
    tooLarge: () => tooLarge(what, maxOutput),
    cannotRun: (error) =>
      aptTerminal(
        AptErrorCode.decompressFailed,
        `cannot run ${binary} to decompress ${what}: ${shown(error.message)}; install it`,
        error,
      ),
    invalid: (detail) =>
      aptTerminal(AptErrorCode.decompressFailed, `${what} is not valid ${binary} data (${shown(detail)})`),
  });
}
