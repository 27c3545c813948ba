import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expectRejection } from '../expect-pipeline-error.fixture';
import { decompressMember } from './member-decompress';
import { XzBatcher, xzBatch, xzUncompressedSize } from './xz-batch';

const xz = (data: Buffer, extra: string[] = []) => execFileSync('xz', ['-zc', ...extra], { input: data });

describe('xz batches', () => {
  const inputs = [Buffer.from('hello\n'), randomBytes(300_000), Buffer.alloc(2_000_000, 7), Buffer.alloc(0)];

  it('reads the uncompressed size from the stream index, and refuses what is not one stream', () => {
    for (const input of inputs) expect(xzUncompressedSize(xz(input))).toBe(input.length);
    expect(xzUncompressedSize(xz(inputs[2] as Buffer, ['--block-size=100000']))).toBe(2_000_000); // many blocks
    expect(xzUncompressedSize(Buffer.concat([xz(Buffer.from('a')), xz(Buffer.from('b'))]))).toBeUndefined(); // two streams
    expect(xzUncompressedSize(Buffer.concat([xz(Buffer.from('a')), Buffer.alloc(4)]))).toBeUndefined(); // padding
    expect(xzUncompressedSize(Buffer.from('not xz at all, not xz at all, not xz at all'))).toBeUndefined();
  });

  it('decompresses several streams with one xz and splits them back', async () => {
    const parts = await xzBatch(inputs.map((i) => ({ data: xz(i), size: i.length })));
    expect(parts?.map((p) => p.equals(inputs[parts.indexOf(p)] as Buffer))).toEqual([true, true, true, true]);
  });

  it('gives up on a batch whose index lies or whose data is corrupt, so each member is tried alone', async () => {
    const good = xz(Buffer.from('good'));
    expect(
      await xzBatch([
        { data: good, size: 4 },
        { data: xz(Buffer.from('other')), size: 99 },
      ]),
    ).toBeUndefined();
    const corrupt = xz(randomBytes(10_000));
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length >> 1) ^ 0xff, corrupt.length >> 1);
    expect(
      await xzBatch([
        { data: good, size: 4 },
        { data: corrupt, size: 10_000 },
      ]),
    ).toBeUndefined();
    const batcher = new XzBatcher(2);
    expect(await Promise.all([batcher.decompress(good, 4), batcher.decompress(xz(Buffer.from('x')), 1)])).toEqual([
      Buffer.from('good'),
      Buffer.from('x'),
    ]);
  });

  it('through decompressMember: good members come out whole, a corrupt one is named', async () => {
    const corrupt = xz(randomBytes(10_000));
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length >> 1) ^ 0xff, corrupt.length >> 1);
    const a = decompressMember(xz(Buffer.from('fine')), 'xz', 'a.deb data.tar.xz', 1e6);
    const b = decompressMember(corrupt, 'xz', 'b.deb data.tar.xz', 1e6); // asked in the same turn: one batch
    await expectRejection(b, 'build-decompress-failed', 'b.deb data.tar.xz');
    expect(await a).toEqual(Buffer.from('fine'));
    await expectRejection(
      decompressMember(xz(Buffer.alloc(5000)), 'xz', 'c.deb data.tar.xz', 100),
      'build-deb-too-large',
      'c.deb',
    );
  });
});
