import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { DefinitionError } from './definitions-errors';
import { DEFAULT_PARSE_LIMITS } from './parse-limits';

/** The bytes of a file, or why they could not be read. */
export type ReadResult = { ok: true; bytes: Buffer } | { ok: false; error: DefinitionError };

/**
 * Reads a regular file of at most `maxBytes` without following a symbolic link at its last
 * segment (O_NOFOLLOW) and without reading more than the cap when the file is larger or grows.
 * @param path where to read
 * @param file the name to put in messages
 */
export function readCatalogFile(path: string, file = path, maxBytes = DEFAULT_PARSE_LIMITS.maxBytes): ReadResult {
  const fail = (code: DefinitionError['code'], message: string): ReadResult => ({
    ok: false,
    error: { code, file, line: 1, column: 1, path: '', message },
  });
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return fail('unreadable', 'cannot read: it is a symbolic link');
    return fail('unreadable', `cannot read: ${code ?? String(error)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return fail('unreadable', 'cannot read: not a regular file');
    if (stat.size > maxBytes)
      return fail('file-too-large', `the file is ${stat.size} bytes, more than the limit of ${maxBytes} bytes`);
    let buffer = Buffer.allocUnsafe(stat.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes)
          return fail('file-too-large', `the file grew past the limit of ${maxBytes} bytes while it was read`);
        buffer = Buffer.concat([buffer, Buffer.allocUnsafe(Math.min(length, maxBytes + 1 - length))]);
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return { ok: true, bytes: buffer.subarray(0, length) };
  } catch (error) {
    return fail('unreadable', `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  } finally {
    closeSync(fd);
  }
}
