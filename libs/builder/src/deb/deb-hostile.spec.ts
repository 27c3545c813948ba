import { expectFailure, expectRejection } from '../expect-pipeline-error.fixture';
import { paxTarEntry as paxEntry, rawTar as tar, type RawTarEntry as RawEntry } from '@patch-factory/testing';
import { arMember, handDeb } from '../examples/failure-debs.fixture';
import { readDeb, readPackageTar as readTar } from './deb-read';

/** A .deb named evil whose data.tar holds `data` exactly as given. */
const deb = (data: RawEntry[]): Buffer => handDeb({ name: 'evil', entries: data }).deb;

const dir = (name: string): RawEntry => ({ name, flag: '5', mode: 0o755 });

describe('readDeb on hostile packages', () => {
  it('reads a well-formed hand-made package', async () => {
    const contents = await readDeb(
      deb([
        dir('./'),
        dir('./etc/'),
        { name: './etc/motd', data: 'hi\n' },
        { name: './etc/motd2', flag: '1', link: './etc/motd' },
      ]),
      { what: 'ok.deb' },
    );
    expect(contents.control.Package).toBe('evil');
    expect(contents.dataEntries.map((e) => [e.path, e.type, e.linkTarget])).toEqual([
      ['.', 'dir', undefined],
      ['etc', 'dir', undefined],
      ['etc/motd', 'file', undefined],
      ['etc/motd2', 'hardlink', 'etc/motd'],
    ]);
  });

  it.each([
    ['a ../ path', [dir('./'), { name: './../evil', data: 'x' }], '"./../evil"'],
    ['a .. segment inside the path', [{ name: './usr/../../evil', data: 'x' }], '"./usr/../../evil"'],
    ['an absolute path', [{ name: '/etc/passwd', data: 'root::0:0::/:/bin/sh\n' }], '"/etc/passwd"'],
    ['a symlink climbing out of the root', [{ name: './x', flag: '2', link: '../../../../etc' }], '"x"'],
    [
      'a nested symlink climbing out of the root',
      [{ name: './usr/lib/x', flag: '2', link: '../../../etc' }],
      '"usr/lib/x"',
    ],
    ['an absolute symlink climbing out of the root', [{ name: './y', flag: '2', link: '/../etc' }], '"y"'],
    ['a hard link outside the root', [{ name: './h', flag: '1', link: '../../etc/shadow' }], '"./h"'],
    ['a hard link to an absolute path', [{ name: './h', flag: '1', link: '/etc/shadow' }], '"./h"'],
    ['a hard link to nothing in the archive', [{ name: './h', flag: '1', link: './etc/shadow' }], '"./h"'],
    [
      'a file written through a symlink',
      [
        { name: './lib', flag: '2', link: '/etc' },
        { name: './lib/passwd', data: 'x' },
      ],
      '"./lib/passwd"',
    ],
    [
      'a GNU long name with ..',
      [
        {
          name: '././@LongLink',
          flag: 'L',
          data: `./${'a/'.repeat(60)}../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../evil\0`,
        },
        { name: './placeholder', data: 'x' },
      ],
      '../evil"',
    ],
    [
      'a pax path with ..',
      [paxEntry({ path: '../../pax-evil' }), { name: './innocent', data: 'x' }],
      '"../../pax-evil"',
    ],
    ['a ustar prefix that is absolute', [{ name: 'passwd', prefix: '/etc', data: 'x' }], '"/etc/passwd"'],
  ])('refuses %s, naming the entry', async (_title, entries, named) => {
    const error = readDeb(deb(entries), { what: 'evil_1.0_all.deb' });
    await expectRejection(error, 'build-unsafe-archive', named);
    await expectRejection(error, 'build-unsafe-archive', 'evil_1.0_all.deb data.tar.gz');
  });

  it('accepts symlinks that stay inside the root, absolute or relative', () => {
    const entries = readTar(
      tar([
        { name: './usr/lib/a', flag: '2', link: '/usr/lib/x' },
        { name: './usr/lib/b', flag: '2', link: '../../etc/alternatives/b' },
        { name: './c', flag: '2', link: 'usr/./lib/../bin' },
      ]),
      { what: 't' },
    );
    expect(entries.map((e) => e.linkTarget)).toEqual(['/usr/lib/x', '../../etc/alternatives/b', 'usr/./lib/../bin']);
  });

  it('refuses devices and fifos, a bad checksum, and an ar member with a path', async () => {
    await expectRejection(
      readDeb(deb([{ name: './dev/sda', flag: '3' }]), { what: 'dev.deb' }),
      'build-unsupported-entry',
      'dev/sda',
    );
    const broken = tar([{ name: './a', data: 'x' }]);
    broken[0] = 0x41;
    expectFailure(() => readTar(broken, { what: 't' }), 'build-deb-invalid');
    const pathMember = Buffer.concat([
      Buffer.from('!<arch>\n', 'latin1'),
      arMember('../debian-binary', Buffer.from('2.0\n')),
    ]);
    await expectRejection(readDeb(pathMember, { what: 'ar.deb' }), 'build-deb-invalid', '../debian-binary');
  });

  it('refuses a size that overruns the archive', () => {
    const t = tar([{ name: './a', data: 'x' }]);
    t.write('77777777777\0', 124, 'latin1');
    let sum = 0;
    t.fill(0x20, 148, 156);
    for (const b of t.subarray(0, 512)) sum += b;
    t.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    expectFailure(() => readTar(t, { what: 'big' }), 'build-deb-invalid', 'claims');
  });
});
