import { expectFailure, expectRejection } from '../expect-pipeline-error.fixture';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAr } from './ar-read';
import { readDeb } from './deb-read';
import { verifyDebChecksum } from './deb-checksum';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'builder-deb-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function dpkgSupports(type: string): boolean {
  const help = execFileSync('dpkg-deb', ['--help'], { encoding: 'utf8' });
  return new RegExp(`Allowed types:[^\\n]*\\b${type}\\b`).test(help);
}

const built = new Map<string, Buffer>();

/** Builds (once per compression) a real package with dpkg-deb from a temp tree. */
function buildDeb(compression: string): Buffer {
  const cached = built.get(compression);
  if (cached) return cached;
  const root = join(work, `pkg-${compression}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  writeFileSync(
    join(root, 'DEBIAN', 'control'),
    [
      'Package: hello-test',
      'Version: 1:2.3-4',
      'Architecture: amd64',
      'Maintainer: Test <test@example.org>',
      'Depends: libc6 (>= 2.36)',
      'Description: a test package',
      ' with a second line',
      '',
    ].join('\n'),
  );
  mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
  mkdirSync(join(root, 'usr', 'lib', 'hello'), { recursive: true });
  writeFileSync(join(root, 'usr', 'bin', 'hello'), '#!/bin/sh\necho hello\n');
  chmodSync(join(root, 'usr', 'bin', 'hello'), 0o755);
  writeFileSync(join(root, 'usr', 'lib', 'hello', 'data.txt'), 'data\n');
  chmodSync(join(root, 'usr', 'lib', 'hello', 'data.txt'), 0o644);
  symlinkSync('../lib/hello/data.txt', join(root, 'usr', 'bin', 'data-link'));
  symlinkSync('/usr/bin/hello', join(root, 'usr', 'lib', 'hello', 'abs-link'));
  const out = join(work, `hello-${compression}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', root, out], { stdio: 'pipe' });
  const deb = readFileSync(out);
  built.set(compression, deb);
  return deb;
}

const compressions = ['xz', 'gzip', ...(dpkgSupports('zstd') ? ['zstd'] : [])];

describe('readDeb on packages built by dpkg-deb', () => {
  it.each(compressions)('reads control fields and files of a -Z%s package', async (compression) => {
    const deb = buildDeb(compression);
    const suffixes: Record<string, string> = { xz: '.xz', gzip: '.gz', zstd: '.zst' };
    const suffix = suffixes[compression] ?? '?';
    expect(readAr(deb, 'hello.deb').map((m) => m.name)).toEqual([
      'debian-binary',
      `control.tar${suffix}`,
      `data.tar${suffix}`,
    ]);
    const contents = await readDeb(deb, { what: `hello-${compression}.deb` });
    expect(contents.control).toMatchObject({
      Package: 'hello-test',
      Version: '1:2.3-4',
      Architecture: 'amd64',
      Depends: 'libc6 (>= 2.36)',
    });
    expect(contents.control.Description).toBe('a test package\nwith a second line');
    expect(contents.controlEntries.map((e) => e.path)).toContain('control');

    const byPath = new Map(contents.dataEntries.map((e) => [e.path, e]));
    expect([...byPath.keys()].sort()).toEqual(
      [
        '.',
        'usr',
        'usr/bin',
        'usr/bin/data-link',
        'usr/bin/hello',
        'usr/lib',
        'usr/lib/hello',
        'usr/lib/hello/abs-link',
        'usr/lib/hello/data.txt',
      ].sort(),
    );
    const hello = byPath.get('usr/bin/hello');
    expect(hello).toMatchObject({ type: 'file', mode: 0o755, uid: 0, gid: 0 });
    expect(hello?.data.toString()).toBe('#!/bin/sh\necho hello\n');
    expect(byPath.get('usr/lib/hello/data.txt')).toMatchObject({ type: 'file', mode: 0o644 });
    expect(byPath.get('usr/bin')).toMatchObject({ type: 'dir' });
    expect(byPath.get('usr/bin/data-link')).toMatchObject({ type: 'symlink', linkTarget: '../lib/hello/data.txt' });
    expect(byPath.get('usr/lib/hello/abs-link')).toMatchObject({ type: 'symlink', linkTarget: '/usr/bin/hello' });
    expect(hello?.mtime).toBeGreaterThan(0);
  });

  it('verifies a package against its index SHA256 and size', () => {
    const deb = buildDeb('gzip');
    const sha = createHash('sha256').update(deb).digest('hex');
    expect(() =>
      verifyDebChecksum(deb, { Package: 'hello-test', Version: '1', SHA256: sha, Size: deb.length }),
    ).not.toThrow();
    const tampered = Buffer.from(deb);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expectFailure(
      () => verifyDebChecksum(tampered, { Package: 'hello-test', Version: '1', SHA256: sha }),
      'build-checksum-mismatch',
      'hello-test 1 has SHA256',
    );
    expectFailure(
      () => verifyDebChecksum(deb, { Package: 'hello-test', Version: '1', SHA256: sha, Size: deb.length + 1 }),
      'build-checksum-mismatch',
      'the index says',
    );
    expectFailure(
      () => verifyDebChecksum(deb, { Package: 'hello-test', Version: '1' }),
      'build-checksum-missing',
      'no SHA256 for hello-test 1',
    );
  });

  it('refuses a truncated package and a non-package', async () => {
    const deb = buildDeb('xz');
    await expectRejection(readDeb(deb.subarray(0, deb.length - 100), { what: 'cut.deb' }), 'build-deb-invalid');
    await expectRejection(readDeb(Buffer.from('hello world'), { what: 'text.deb' }), 'build-deb-invalid', 'text.deb');
  });

  it.each(compressions)('refuses -Z%s data that unpacks past the bound', async (compression) => {
    const deb = buildDeb(compression);
    await expectRejection(readDeb(deb, { what: 'big.deb', maxDataSize: 1000 }), 'build-deb-too-large');
  });
});
