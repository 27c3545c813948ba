import { parseApkIndex } from './apkindex-parse';
import { readApkTar } from './apk-tar';
import { apkTarOf } from '@patch-factory/testing';

describe('APKINDEX parsing', () => {
  it('reads records and skips malformed ones, reporting the line each starts on', () => {
    const text = [
      'P:good\nV:1.0-r0\nA:x86_64\nS:notanumber',
      'V:2.0-r0\nA:x86_64',
      'P:noversion',
      'P:badversion\nV:1.0.not-a-version',
      'P:bad name\nV:1.0-r0',
      'P:junk\nV:1.0-r0\nthis is not a field',
      'P:dup\nV:1.0-r0\nV:2.0-r0',
      'P:last\r\nV:3.0_rc1-r2\r',
    ].join('\n\n');
    const parsed = parseApkIndex(`${text}\n`);
    expect(parsed.records).toEqual([
      { name: 'good', version: '1.0-r0', arch: 'x86_64', line: 1 },
      { name: 'last', version: '3.0_rc1-r2', line: 25 },
    ]);
    expect(parsed.problems).toEqual([
      { line: 6, reason: 'missing-name' },
      { line: 9, reason: 'missing-version', name: 'noversion' },
      { line: 11, reason: 'bad-version', name: 'badversion' },
      { line: 14, reason: 'bad-name' },
      { line: 17, reason: 'bad-line', name: 'junk' },
      { line: 21, reason: 'duplicate-field', name: 'dup' },
    ]);
    expect(parsed.problemCount).toBe(6);
  });

  it('reads tar archives with and without end blocks and refuses a bad checksum', () => {
    const archive = apkTarOf({ a: 'x'.repeat(600), b: '' });
    expect(readApkTar(archive, 't').map((e) => [e.name, e.data.length])).toEqual([
      ['a', 600],
      ['b', 0],
    ]);
    expect(readApkTar(apkTarOf({ a: 'y' }, true), 't')).toHaveLength(1);
    const broken = Buffer.from(archive);
    broken[0] = 0x7a;
    expect(() => readApkTar(broken, 't')).toThrow(/checksum/);
    const short = Buffer.from(archive.subarray(0, 700));
    expect(() => readApkTar(short, 't')).toThrow(/past the end/);
  });
});
