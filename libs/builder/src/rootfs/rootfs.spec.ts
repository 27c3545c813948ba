import { expectFailure } from '../expect-pipeline-error.fixture';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readDeb, type DebContents } from '../deb/deb-read';
import type { TarEntry } from '@patch-factory/oci';
import { writeImageLayout } from '../oci/image-layout';
import { writeAccounts } from './accounts';
import { writeDpkgDatabase } from './dpkg-status';
import { writeOsRelease } from './os-release';
import { applyPaths } from './paths';
import { RootFs } from './rootfs';

const run = promisify(execFile);

let work: string;
let hello: DebContents;
let libfoo: DebContents;
let clash: DebContents;

interface PkgSpec {
  name: string;
  extra?: string[];
  files: Record<string, string>;
  links?: Record<string, string>;
  md5sums?: string;
}

function buildDeb(spec: PkgSpec): Buffer {
  const root = join(work, spec.name);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  const control = [
    `Package: ${spec.name}`,
    'Version: 1.0-1',
    'Architecture: amd64',
    'Maintainer: Test <test@example.org>',
    ...(spec.extra ?? []),
    `Description: ${spec.name} for tests`,
    ' second line',
    ' .',
    ' third line',
    '',
  ];
  writeFileSync(join(root, 'DEBIAN', 'control'), control.join('\n'));
  if (spec.md5sums !== undefined) writeFileSync(join(root, 'DEBIAN', 'md5sums'), spec.md5sums);
  for (const [path, text] of Object.entries(spec.files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
    chmodSync(join(root, path), path.includes('bin/') ? 0o755 : 0o644);
  }
  for (const [path, target] of Object.entries(spec.links ?? {})) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    symlinkSync(target, join(root, path));
  }
  const out = join(work, `${spec.name}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, out], { stdio: 'pipe' });
  return readFileSync(out);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'builder-rootfs-'));
  hello = await readDeb(
    buildDeb({
      name: 'hello',
      extra: ['Section: utils', 'Priority: optional', 'Installed-Size: 12', 'Depends: libfoo1 (>= 1.0)'],
      files: { 'bin/hello': '#!/bin/sh\necho hello\n', 'usr/share/doc/x/copyright': 'MIT\n' },
      md5sums: 'd41d8cd98f00b204e9800998ecf8427e  bin/hello\n',
    }),
    { what: 'hello.deb' },
  );
  libfoo = await readDeb(
    buildDeb({
      name: 'libfoo1',
      extra: ['Multi-Arch: same', 'Source: foo'],
      files: { 'lib/x/libfoo.so': 'ELF-ish\n', 'usr/share/doc/x/copyright': 'MIT\n' },
      links: { 'lib/x/libfoo.so.1': 'libfoo.so', 'lib/x/docs': '../../usr/share/doc/x' },
    }),
    { what: 'libfoo1.deb' },
  );
  clash = await readDeb(buildDeb({ name: 'clash', files: { 'usr/bin/hello': 'something else\n' } }), {
    what: 'clash.deb',
  });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const add = (fs: RootFs, deb: DebContents) =>
  fs.addPackage(
    deb.control['Package'] ?? '',
    deb.control['Version'] ?? '',
    deb.control['Architecture'] ?? '',
    deb.dataEntries,
    deb.controlEntries,
  );

function assembled(): RootFs {
  const fs = new RootFs();
  add(fs, hello);
  add(fs, libfoo);
  return fs;
}

const text = (fs: RootFs, path: string): string => {
  const e = fs.get(path);
  if (e?.type !== 'file') throw new Error(`${path} is not a file`);
  return e.data.toString('utf8');
};

/** Parses deb822 stanzas back into field maps. */
function parseStanzas(body: string): Record<string, string>[] {
  return body
    .split(/\n\n+/)
    .filter((s) => s.trim() !== '')
    .map((stanza) => {
      const fields: Record<string, string> = {};
      let last = '';
      for (const line of stanza.split('\n')) {
        if (line.startsWith(' ')) fields[last] = `${fields[last] ?? ''}\n${line.slice(1)}`;
        else {
          const i = line.indexOf(':');
          last = line.slice(0, i);
          fields[last] = line.slice(i + 1).trim();
        }
      }
      return fields;
    });
}

describe('RootFs', () => {
  it('moves /bin, /lib under /usr and creates the top-level symlinks', () => {
    const fs = assembled();
    for (const name of ['bin', 'sbin', 'lib', 'lib64']) {
      expect(fs.entries().find((e) => e.path === name)).toMatchObject({ type: 'symlink', linkTarget: `usr/${name}` });
      expect(fs.entries().find((e) => e.path === `usr/${name}`)?.type).toBe('dir');
    }
    expect(fs.get('usr/bin/hello')).toMatchObject({ type: 'file', mode: 0o755, uid: 0, gid: 0 });
    expect(fs.get('/bin/hello')).toBe(fs.get('usr/bin/hello'));
    expect(fs.get('usr/lib/x/libfoo.so')?.type).toBe('file');
    expect(fs.get('usr/lib/x/libfoo.so.1')).toMatchObject({ type: 'symlink', linkTarget: 'libfoo.so' });
    expect(fs.get('usr/lib/x/docs')).toMatchObject({ type: 'symlink', linkTarget: '../../share/doc/x' });
    expect(fs.entries().some((e) => e.path.startsWith('bin/') || e.path.startsWith('lib/'))).toBe(false);
    expect(fs.ownerOf('usr/bin/hello')).toBe('hello');
    expect(fs.ownerOf('usr/share/doc/x/copyright')).toBe('hello');
  });

  it('records each package file list as shipped', () => {
    const [h, l] = assembled().packages();
    expect(h?.name).toBe('hello');
    expect(h?.files).toEqual(expect.arrayContaining(['.', 'bin', 'bin/hello', 'usr/share/doc/x/copyright']));
    expect(l?.files).toEqual(expect.arrayContaining(['lib/x/libfoo.so', 'lib/x/libfoo.so.1']));
  });

  it('refuses a file another package owns with other content, accepts identical content', () => {
    const fs = assembled();
    expectFailure(() => add(fs, clash), 'build-file-conflict', 'hello already installed');
    expect(fs.packages().map((p) => p.name)).toEqual(['hello', 'libfoo1']);
    expect(text(fs, 'usr/bin/hello')).toContain('echo hello');
  });

  it('refuses a package twice, a mismatching control file and entries below a symlink', () => {
    const fs = assembled();
    expectFailure(() => add(fs, hello), 'build-rootfs-invalid', 'installed twice');
    expectFailure(
      () => fs.addPackage('other', '1.0-1', 'amd64', [], hello.controlEntries),
      'build-rootfs-invalid',
      'control file says',
    );
    expectFailure(() => fs.addPackage('bad name!', '1', 'amd64', [], []), 'build-rootfs-invalid');
    const below: TarEntry = {
      path: 'usr/lib/x/libfoo.so.1/evil',
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: 0,
      data: Buffer.from('x'),
    };
    const control = Buffer.from('Package: evil\nVersion: 1\nArchitecture: all\n');
    expectFailure(
      () => fs.addPackage('evil', '1', 'all', [below], [{ ...below, path: 'control', data: control }]),
      'build-unsafe-path',
      'below the symlink',
    );
  });
});

describe('dpkg database', () => {
  it('writes a status stanza per package, sorted, all installed', () => {
    const fs = assembled();
    writeDpkgDatabase(fs);
    const stanzas = parseStanzas(text(fs, 'var/lib/dpkg/status'));
    expect(stanzas.map((s) => s['Package'])).toEqual(['hello', 'libfoo1']);
    for (const s of stanzas) expect(s['Status']).toBe('install ok installed');
    expect(stanzas[0]).toMatchObject({
      Section: 'utils',
      Priority: 'optional',
      'Installed-Size': '12',
      Version: '1.0-1',
      Architecture: 'amd64',
      Depends: 'libfoo1 (>= 1.0)',
    });
    expect(stanzas[0]?.['Description']).toBe('hello for tests\nsecond line\n.\nthird line');
    expect(stanzas[1]).toMatchObject({ 'Multi-Arch': 'same', Source: 'foo' });
    expect(Object.keys(stanzas[0] ?? {}).slice(0, 2)).toEqual(['Package', 'Status']);
  });

  it('writes .list (/. first, sorted) and .md5sums files', () => {
    const fs = assembled();
    writeDpkgDatabase(fs);
    const list = text(fs, 'var/lib/dpkg/info/hello.list').trimEnd().split('\n');
    expect(list[0]).toBe('/.');
    expect(list).toContain('/bin/hello');
    expect(list.slice(1)).toEqual([...list.slice(1)].sort());
    expect(text(fs, 'var/lib/dpkg/info/hello.md5sums')).toContain('bin/hello');
    expect(text(fs, 'var/lib/dpkg/info/libfoo1:amd64.list')).toContain('/lib/x/libfoo.so.1\n');
    expect(fs.get('var/lib/dpkg/info/libfoo1:amd64.md5sums')).toBeUndefined();
  });
});

describe('accounts, os-release and paths', () => {
  it('writes passwd, group and shadow after the base entries', () => {
    const fs = assembled();
    writeAccounts(fs, {
      'run-as': 'app',
      users: [{ name: 'app', uid: 1000, gid: 1000, home: '/app' }],
      groups: [
        { name: 'app', gid: 1000, members: ['app'] },
        { name: 'shadow', gid: 42 },
      ],
    });
    expect(text(fs, 'etc/passwd')).toBe(
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\napp:x:1000:1000:app:/app:/usr/sbin/nologin\n',
    );
    expect(text(fs, 'etc/group')).toBe('root:x:0:\nnogroup:x:65534:\napp:x:1000:app\nshadow:x:42:\n');
    expect(fs.get('etc/shadow')).toMatchObject({ mode: 0o640, uid: 0, gid: 42 });
    expect(text(fs, 'etc/shadow').split('\n')[2]).toBe('app:*::0:99999:7:::');
    writeAccounts(fs, {});
    expect(fs.get('etc/shadow')).toMatchObject({ mode: 0o640, gid: 0 });
    expectFailure(() => writeAccounts(fs, { 'run-as': 'ghost' }), 'build-rootfs-invalid', 'names no user');
    expectFailure(() => writeAccounts(fs, { users: [{ name: 'x:y', uid: 1, gid: 1 }] }), 'build-rootfs-invalid');
    expectFailure(
      () => writeAccounts(fs, { users: [{ name: 'a', uid: 1, gid: 1, shell: '/bin/sh\nroot::0:0' }] }),
      'build-rootfs-invalid',
    );
  });

  it('writes os-release in two places and refuses control characters', () => {
    const fs = assembled();
    writeOsRelease(fs, {
      name: 'Debian GNU/Linux',
      id: 'debian',
      'version-id': '12',
      'version-codename': 'bookworm',
      'pretty-name': 'Hardened "Debian" $12',
    });
    const body = text(fs, 'etc/os-release');
    expect(body).toContain('ID="debian"\n');
    expect(body).toContain('PRETTY_NAME="Hardened \\"Debian\\" \\$12"\n');
    expect(text(fs, 'usr/lib/os-release')).toBe(body);
    expectFailure(() => writeOsRelease(fs, { name: 'x\nID=evil' }), 'build-rootfs-invalid');
    expectFailure(() => writeOsRelease(fs, { id: 'Not An Id' }), 'build-rootfs-invalid');
  });

  it('applies paths with owners and modes', () => {
    const fs = assembled();
    applyPaths(
      fs,
      [
        { type: 'directory', path: '/app/data', uid: 1000, gid: 1000, mode: '0750' },
        { type: 'file', path: '/app/config.ini', content: 'a=1\n', uid: 1000, gid: 1000, mode: '0600' },
        { type: 'emptyfile', path: '/var/log/app.log', mode: '0640' },
        { type: 'symlink', path: '/bin/hi', source: 'hello' },
        { type: 'delete', path: '/usr/share/doc' },
        { type: 'file', path: '/only-arm', content: 'x', platforms: ['linux/arm64'] },
        { type: 'directory', path: '/app', uid: 1000, gid: 1000, recursive: true },
      ],
      { platform: 'linux/amd64' },
    );
    expect(fs.get('app/data')).toMatchObject({ type: 'dir', mode: 0o750, uid: 1000, gid: 1000 });
    expect(fs.get('app/config.ini')).toMatchObject({ type: 'file', mode: 0o600, uid: 1000, gid: 1000 });
    expect(text(fs, 'app/config.ini')).toBe('a=1\n');
    expect(fs.get('var/log/app.log')).toMatchObject({ type: 'file', mode: 0o640, uid: 0, data: Buffer.alloc(0) });
    expect(fs.get('var/log')).toMatchObject({ type: 'dir', mode: 0o755 });
    expect(fs.get('usr/bin/hi')).toMatchObject({ type: 'symlink', linkTarget: 'hello' });
    expect(fs.get('usr/share/doc/x/copyright')).toBeUndefined();
    expect(fs.get('only-arm')).toBeUndefined();
    expect(fs.get('app')).toMatchObject({ uid: 1000, gid: 1000, mode: 0o755 });
  });

  it('refuses .., paths through symlinks, bad modes and symlinks out of the root', () => {
    const fs = assembled();
    expectFailure(
      () => applyPaths(fs, [{ type: 'file', path: '/etc/../../evil', content: 'x' }]),
      'build-unsafe-path',
      '".."',
    );
    expectFailure(() => applyPaths(fs, [{ type: 'delete', path: '../etc' }]), 'build-unsafe-path');
    expectFailure(
      () => applyPaths(fs, [{ type: 'file', path: '/usr/lib/x/libfoo.so.1/x', content: 'x' }]),
      'build-unsafe-path',
      'below the symlink',
    );
    expectFailure(
      () => applyPaths(fs, [{ type: 'symlink', path: '/etc/x', source: '../../../etc/shadow' }]),
      'build-unsafe-path',
    );
    expectFailure(
      () => applyPaths(fs, [{ type: 'file', path: '/etc/x', mode: '9999' }]),
      'build-rootfs-invalid',
      'octal',
    );
    expectFailure(
      () => applyPaths(fs, [{ type: 'file', path: '/etc/x', if: 'x' }]),
      'build-rootfs-invalid',
      'evaluator',
    );
    expect(fs.get('etc/x')).toBeUndefined();
  });
});

describe('as an image layer', () => {
  it('is accepted by skopeo and is reproducible', async () => {
    const digests: string[] = [];
    for (const n of [1, 2]) {
      const fs = assembled();
      writeDpkgDatabase(fs);
      writeAccounts(fs, { users: [{ name: 'app', uid: 1000, gid: 1000 }], groups: [{ name: 'app', gid: 1000 }] });
      writeOsRelease(fs, { id: 'debian', 'version-id': '12' });
      applyPaths(fs, [{ type: 'directory', path: '/app', uid: 1000, gid: 1000, mode: '0750' }]);
      const dir = join(work, `layout-${n}`);
      digests.push(
        await writeImageLayout(dir, {
          sourceDateEpoch: 1_700_000_000,
          platforms: [{ os: 'linux', architecture: 'amd64', layers: [fs.entries()], config: { User: '1000:1000' } }],
        }),
      );
      const { stdout } = await run('/usr/bin/skopeo', [
        'inspect',
        '--override-os',
        'linux',
        '--override-arch',
        'amd64',
        `oci:${dir}`,
      ]);
      const inspected = JSON.parse(stdout) as { Layers: string[]; Os: string };
      expect(inspected.Os).toBe('linux');
      expect(inspected.Layers).toHaveLength(1);
    }
    expect(digests[0]).toBe(digests[1]);
  });
});
