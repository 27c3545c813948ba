import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { catalogFileKind, namedFileKind } from './catalog-path';
import { listCatalogFiles } from './catalog-walk';
import { readCatalogFile } from './read-catalog-file';

describe('catalogFileKind', () => {
  it.each([
    ['image/nginx/debian-13/stable.yaml', 'definition'],
    ['/srv/catalog/image/nginx/alpine-3.22/mainline-dev.yml', 'definition'],
    ['image/nginx/info.yaml', 'info'],
    ['image/tempo/config/tempo-v3.yaml', undefined],
    ['image/influxdb/data/2/default-config.yaml', undefined],
    ['image/nginx/debian-13/notes.txt', undefined],
    ['images/nginx/debian-13/stable.yaml', undefined],
    ['info.yaml', undefined],
  ])('%s is %s', (path, kind) => {
    expect(catalogFileKind(path)).toBe(kind);
  });

  it('takes a file named on the command line by its name when it is outside the layout', () => {
    expect(namedFileKind('/tmp/x/info.yaml')).toBe('info');
    expect(namedFileKind('/tmp/x/draft.yaml')).toBe('definition');
  });
});

describe('listCatalogFiles', () => {
  let dir: string;
  let outside: string;
  const put = (path: string, text = 'name: x\n') => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pf-catalog-'));
    outside = mkdtempSync(join(tmpdir(), 'pf-outside-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('finds definitions and info files, skips other YAML, follows only links that stay inside', () => {
    put(join(dir, 'image/b/debian-13/1.yaml'));
    put(join(dir, 'image/a/alpine-3.22/2-dev.yml'));
    put(join(dir, 'image/a/info.yaml'), 'metadata: {}\n');
    put(join(dir, 'image/a/config/app.yaml'));
    put(join(dir, 'image/a/debian-13/README.md'));
    put(join(outside, 'image/evil/debian-13/x.yaml'));
    put(join(outside, 'secret.yaml'));
    // Links that leave the directory: to a file, to a directory.
    symlinkSync(join(outside, 'secret.yaml'), join(dir, 'image/b/debian-13/secret.yaml'));
    symlinkSync(join(outside, 'image/evil'), join(dir, 'image/evil'));
    // A link inside (followed), a cycle (not walked twice), a dangling link.
    symlinkSync(join(dir, 'image/b/debian-13/1.yaml'), join(dir, 'image/b/debian-13/1-alias.yaml'));
    symlinkSync(join(dir, 'image'), join(dir, 'image/b/loop'));
    symlinkSync(join(dir, 'nowhere.yaml'), join(dir, 'image/b/debian-13/dangling.yaml'));

    const listing = listCatalogFiles(dir);
    expect(listing.files.map((f) => [f.kind, f.path.slice(dir.length + 1)])).toEqual([
      ['definition', 'image/a/alpine-3.22/2-dev.yml'],
      ['info', 'image/a/info.yaml'],
      ['definition', 'image/b/debian-13/1-alias.yaml'],
      ['definition', 'image/b/debian-13/1.yaml'],
    ]);
    expect(listing.files[2]?.readPath).toBe(join(dir, 'image/b/debian-13/1.yaml'));
    expect(listing.skipped.map((s) => [s.reason, s.path.slice(dir.length + 1)])).toEqual([
      ['not-in-layout', 'image/a/config/app.yaml'],
      ['broken-link', 'image/b/debian-13/dangling.yaml'],
      ['link-leaves-directory', 'image/b/debian-13/secret.yaml'],
      ['link-cycle', 'image/b/loop'],
      ['link-leaves-directory', 'image/evil'],
    ]);
  });

  it('lists the one file it is given, of the kind its name says', () => {
    put(join(dir, 'draft.yaml'));
    expect(listCatalogFiles(join(dir, 'draft.yaml')).files).toEqual([
      { kind: 'definition', path: join(dir, 'draft.yaml'), readPath: join(dir, 'draft.yaml') },
    ]);
    expect(() => listCatalogFiles(join(dir, 'missing'))).toThrow(/ENOENT/);
  });

  it('reads a file only up to the cap, and never through a symbolic link', () => {
    put(join(dir, 'big.yaml'), 'x'.repeat(2000));
    put(join(outside, 'secret.yaml'), 'token: x\n');
    symlinkSync(join(outside, 'secret.yaml'), join(dir, 'link.yaml'));
    expect(readCatalogFile(join(dir, 'big.yaml'), 'big.yaml', 1000)).toEqual({
      ok: false,
      error: {
        code: 'file-too-large',
        file: 'big.yaml',
        line: 1,
        column: 1,
        path: '',
        message: 'the file is 2000 bytes, more than the limit of 1000 bytes',
      },
    });
    const read = readCatalogFile(join(dir, 'big.yaml'), 'big.yaml', 2000);
    expect(read.ok && read.bytes.length).toBe(2000);
    expect(readCatalogFile(join(dir, 'link.yaml'), 'link.yaml')).toMatchObject({
      ok: false,
      error: { code: 'unreadable', message: 'cannot read: it is a symbolic link' },
    });
    expect(readCatalogFile(dir, 'dir')).toMatchObject({
      ok: false,
      error: { code: 'unreadable', message: 'cannot read: not a regular file' },
    });
    expect(readCatalogFile(join(dir, 'none.yaml'), 'none.yaml')).toMatchObject({
      ok: false,
      error: { message: 'cannot read: ENOENT' },
    });
  });
});
