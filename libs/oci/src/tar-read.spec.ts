import { PipelineError } from '@patch-factory/contracts';
import { rawTarEntry, rawTarHeader } from '@patch-factory/testing';
import { readTar } from './tar-read';

const header = (name: string, size: number, flag = '0', link = ''): Buffer =>
  rawTarHeader({ name, flag, link, mode: 0o644 }, size);
const body = (text: string) => rawTarEntry({ name: 'x', data: text }).subarray(512);

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof PipelineError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('readTar (the one tar reader: package tars, image layers, APK indexes)', () => {
  it('reads files, directories and links, with or without the two closing zero blocks', () => {
    const archive = Buffer.concat([
      header('./etc/', 0, '5'),
      header('./etc/hosts', 3),
      body('abc'),
      header('etc/h', 0, '2', 'hosts'),
    ]);
    const entries = readTar(Buffer.concat([archive, Buffer.alloc(1024)]), { what: 'a' });
    expect(entries.map((e) => [e.path, e.type, e.data.toString()])).toEqual([
      ['etc', 'dir', ''],
      ['etc/hosts', 'file', 'abc'],
      ['etc/h', 'symlink', ''],
    ]);
    expect(readTar(archive, { what: 'a' })).toHaveLength(3);
  });

  it('raises its own codes unless the caller names others, with the caller hint', () => {
    const escaping = Buffer.concat([header('../x', 1), body('x')]);
    expect(codeOf(() => readTar(escaping, { what: 'layer 1' }))).toMatch(
      /^tar-unsafe-entry: layer 1: entry "\.\.\/x" has a "\.\." path segment/,
    );
    expect(
      codeOf(() => readTar(escaping, { what: 'p', codes: { invalid: 'i', unsafe: 'u', unsupported: 's' } })),
    ).toMatch(/^u: /);
    expect(codeOf(() => readTar(Buffer.concat([header('dev', 0, '3')]), { what: 'p' }))).toMatch(
      /^tar-unsupported-entry: /,
    );
    const short = Buffer.concat([header('big', 4096), body('x')]);
    expect(codeOf(() => readTar(short, { what: 'p', hint: 'download it again' }))).toMatch(
      /^tar-invalid: p is not a valid tar archive: .*runs past the end.*; download it again$/,
    );
  });

  it('refuses an archive that ends in a partial block of data (from the APK index reader)', () => {
    const archive = Buffer.concat([header('a', 1), body('a'), Buffer.from('trailing')]);
    expect(codeOf(() => readTar(archive, { what: 'p' }))).toMatch(
      /^tar-invalid: .*ends in a partial block at byte 1024/,
    );
    expect(readTar(Buffer.concat([header('a', 1), body('a'), Buffer.alloc(100)]), { what: 'p' })).toHaveLength(1);
  });
});
