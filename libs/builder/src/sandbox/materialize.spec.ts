import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TarEntry } from '@patch-factory/oci';
import { expectRejection } from '../expect-pipeline-error.fixture';
import { RootFs } from '../rootfs/rootfs';
import { AS_ROOT } from './host-root.fixture';
import { materializeRootFs } from './materialize';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'pf-materialize-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

const entry = (path: string, type: TarEntry['type'], extra: Partial<TarEntry> = {}): TarEntry => ({
  path,
  type,
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 1_700_000_000,
  data: Buffer.alloc(0),
  ...extra,
});

describe('materializeRootFs', () => {
  it('writes directories, files, modes with setuid bits, owners, symlinks and hard links', async () => {
    const root = new RootFs();
    root.put(entry('etc', 'dir', { mode: 0o755 }), 't');
    root.put(entry('etc/motd', 'file', { data: Buffer.from('hello\n') }), 't');
    root.put(entry('usr/bin/su', 'file', { mode: 0o4755, data: Buffer.from('#!/bin/sh\n') }), 't');
    root.put(entry('usr/bin/wall', 'file', { mode: 0o2755, uid: 0, gid: 5, data: Buffer.from('wall') }), 't');
    root.put(entry('home/app', 'dir', { mode: 0o700, uid: 1000, gid: 1000 }), 't');
    root.put(entry('home/app/notes', 'file', { mode: 0o600, uid: 1000, gid: 1000, data: Buffer.from('private') }), 't');
    root.put(entry('srv/ro', 'dir', { mode: 0o555 }), 't');
    root.put(entry('srv/ro/inside', 'file', { data: Buffer.from('written before the directory went read-only') }), 't');
    root.put(entry('etc/alias', 'symlink', { mode: 0o777, linkTarget: 'motd' }), 't');
    root.put(entry('etc/dangling', 'symlink', { mode: 0o777, linkTarget: '/nowhere/at/all' }), 't');
    // The hard link sorts before its target: it is still written after it.
    root.put(entry('aaa-link', 'hardlink', { linkTarget: 'etc/motd' }), 't');
    const dir = join(work, 'root');
    await materializeRootFs(root, dir);

    expect(readFileSync(join(dir, 'etc/motd'), 'utf8')).toBe('hello\n');
    expect(lstatSync(join(dir, 'usr/bin/su')).mode & 0o7777).toBe(0o4755);
    expect(lstatSync(join(dir, 'usr/bin/wall')).mode & 0o7777).toBe(0o2755);
    expect(lstatSync(join(dir, 'srv/ro')).mode & 0o7777).toBe(0o555);
    expect(readFileSync(join(dir, 'srv/ro/inside'), 'utf8')).toContain('read-only');
    expect(lstatSync(join(dir, 'home/app')).mode & 0o7777).toBe(0o700);
    expect(readlinkSync(join(dir, 'etc/alias'))).toBe('motd');
    expect(readlinkSync(join(dir, 'etc/dangling'))).toBe('/nowhere/at/all');
    expect(readlinkSync(join(dir, 'bin'))).toBe('usr/bin');
    expect(lstatSync(join(dir, 'aaa-link')).ino).toBe(lstatSync(join(dir, 'etc/motd')).ino);
    expect(lstatSync(join(dir, 'etc/motd')).mtimeMs).toBe(1_700_000_000_000);
    if (AS_ROOT) {
      const notes = lstatSync(join(dir, 'home/app/notes'));
      expect([notes.uid, notes.gid]).toEqual([1000, 1000]);
      const app = lstatSync(join(dir, 'home/app'));
      expect([app.uid, app.gid]).toEqual([1000, 1000]);
      expect(lstatSync(join(dir, 'usr/bin/wall')).gid).toBe(5);
    }
  });

  it('refuses to write through a symlink already on disk', async () => {
    const outside = join(work, 'outside');
    mkdirSync(outside);
    const dir = join(work, 'root');
    mkdirSync(dir);
    symlinkSync(outside, join(dir, 'etc'));
    const root = new RootFs();
    root.put(entry('etc/passwd', 'file', { data: Buffer.from('root:x:0:0::/:/bin/sh\n') }), 't');
    await expectRejection(materializeRootFs(root, dir), 'build-unsafe-path', '"/etc" is a symlink on disk');
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses a file whose path is already taken on disk, a symlink included', async () => {
    const dir = join(work, 'root');
    mkdirSync(dir);
    writeFileSync(join(work, 'target'), 'outside');
    symlinkSync(join(work, 'target'), join(dir, 'motd'));
    const root = new RootFs();
    root.put(entry('motd', 'file', { data: Buffer.from('inside') }), 't');
    await expectRejection(materializeRootFs(root, dir), 'build-file-conflict', '"/motd" already exists on disk');
    expect(readFileSync(join(work, 'target'), 'utf8')).toBe('outside');
  });
});
