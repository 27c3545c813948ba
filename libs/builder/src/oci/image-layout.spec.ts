import { PipelineError } from '@patch-factory/contracts';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { readTar, type TarEntry } from '@patch-factory/oci';
import { writeImageLayout, type ImageLayoutSpec } from './image-layout';
import { compressLayer } from './layer';
import { writeTar } from './tar-write';

const run = promisify(execFile);
const EPOCH = 1_700_000_000;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'builder-oci-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
const newDir = () => join(work, `d${++n}`);

const file = (path: string, text: string, mode = 0o644, uid = 0, gid = 0): TarEntry => ({
  path,
  type: 'file',
  mode,
  uid,
  gid,
  mtime: 123,
  data: Buffer.from(text),
});
const dir = (path: string, mode = 0o755): TarEntry => ({
  path,
  type: 'dir',
  mode,
  uid: 0,
  gid: 0,
  mtime: 456,
  data: Buffer.alloc(0),
});
const symlink = (path: string, target: string): TarEntry => ({
  path,
  type: 'symlink',
  mode: 0o777,
  uid: 0,
  gid: 0,
  mtime: 1,
  linkTarget: target,
  data: Buffer.alloc(0),
});

const longDir = `usr/share/${'a'.repeat(90)}/${'b'.repeat(90)}`;
const longName = `${'c'.repeat(120)}.txt`;

/** Given out of order, with `/` and `./` prefixes. */
const baseLayer = (): TarEntry[] => [
  file('/usr/bin/hello', '#!/bin/sh\necho hello\n', 0o755),
  dir('./usr'),
  dir('usr/bin/'),
  symlink('usr/bin/hi', 'hello'),
  dir('etc'),
  file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'),
];
const appLayer = (text = 'v1'): TarEntry[] => [
  dir('opt/app', 0o750),
  dir('opt'),
  file('opt/app/data', text, 0o640, 1000, 1000),
  dir(longDir),
  dir('usr/share'),
  dir(`usr/share/${'a'.repeat(90)}`),
  dir('usr'),
  file(`${longDir}/${longName}`, 'long path'),
  symlink('opt/app/long-link', `/${longDir}/${longName}`),
  {
    path: 'opt/app/data-hard',
    type: 'hardlink',
    mode: 0o640,
    uid: 1000,
    gid: 1000,
    mtime: 0,
    linkTarget: 'opt/app/data',
    data: Buffer.alloc(0),
  },
];

const spec = (app = appLayer()): ImageLayoutSpec => ({
  sourceDateEpoch: EPOCH,
  annotations: { 'org.opencontainers.image.title': 'test' },
  platforms: ['amd64', 'arm64'].map((architecture) => ({
    os: 'linux',
    architecture,
    ...(architecture === 'arm64' ? { variant: 'v8' } : {}),
    layers: [baseLayer(), app],
    config: {
      User: '1000:1000',
      Env: ['PATH=/usr/bin'],
      Entrypoint: ['/usr/bin/hello'],
      Cmd: ['--x'],
      WorkingDir: '/opt/app',
      ExposedPorts: { '8080/tcp': {} },
      StopSignal: 'SIGTERM',
      Labels: { a: 'b' },
    },
  })),
});

interface Desc {
  digest: string;
  size: number;
  mediaType: string;
}
const readJson = <T>(layout: string, digest: string): T =>
  JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), 'utf8')) as T;

interface Layout {
  index: string;
  manifests: string[];
  configs: string[];
  layers: string[][];
}
function walk(layout: string, indexDigest: string): Layout {
  const top = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Desc[] };
  expect(top.manifests.map((m) => m.digest)).toEqual([indexDigest]);
  const index = readJson<{ manifests: Desc[] }>(layout, indexDigest);
  const manifests = index.manifests.map((m) => readJson<{ config: Desc; layers: Desc[] }>(layout, m.digest));
  return {
    index: indexDigest,
    manifests: index.manifests.map((m) => m.digest),
    configs: manifests.map((m) => m.config.digest),
    layers: manifests.map((m) => m.layers.map((l) => l.digest)),
  };
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('writeImageLayout', () => {
  it('is reproducible, and a changed layer changes only itself and what is above it', async () => {
    const a = newDir();
    const digestA = await writeImageLayout(a, spec());
    await new Promise((r) => setTimeout(r, 1100)); // another wall-clock second
    const b = newDir();
    const layersWritten: string[] = [];
    const digestB = await writeImageLayout(b, {
      ...spec(),
      onLayer: (platform, layer, layers) => layersWritten.push(`${platform} ${layer}/${layers}`),
    });
    expect(digestB).toBe(digestA);
    // Progress after each layer blob of each platform.
    expect(layersWritten).toEqual(
      spec().platforms.flatMap((p) =>
        [1, 2].map((i) => `${[p.os, p.architecture, p.variant].filter(Boolean).join('/')} ${i}/2`),
      ),
    );
    expect(readFileSync(join(b, 'index.json'))).toEqual(readFileSync(join(a, 'index.json')));
    expect(readFileSync(join(a, 'oci-layout'), 'utf8')).toBe('{"imageLayoutVersion":"1.0.0"}');

    const c = newDir();
    const digestC = await writeImageLayout(c, spec(appLayer('v2')));
    const la = walk(a, digestA);
    const lc = walk(c, digestC);
    expect(digestC).not.toBe(digestA);
    for (let p = 0; p < 2; p++) {
      expect(lc.layers[p]?.[0]).toBe(la.layers[p]?.[0]);
      expect(lc.layers[p]?.[1]).not.toBe(la.layers[p]?.[1]);
      expect(lc.configs[p]).not.toBe(la.configs[p]);
      expect(lc.manifests[p]).not.toBe(la.manifests[p]);
    }
    // Each blob's name is its digest.
    for (const d of [...la.manifests, ...la.configs, ...la.layers.flat()])
      expect(sha(readFileSync(join(a, 'blobs', 'sha256', d.slice(7))))).toBe(d);

    const config = readJson<{
      created: string;
      rootfs: { diff_ids: string[] };
      history: { created: string }[];
      config: Record<string, unknown>;
    }>(a, la.configs[0] ?? '');
    expect(config.created).toBe('2023-11-14T22:13:20Z');
    expect(config.history.map((h) => h.created)).toEqual([config.created, config.created]);
    expect(config.rootfs.diff_ids).toHaveLength(2);
    expect(config.config['ExposedPorts']).toEqual({ '8080/tcp': {} });
  });

  it('is accepted by skopeo, and copies round-trip the layers', async () => {
    const layout = newDir();
    const digest = await writeImageLayout(layout, spec());
    const raw = JSON.parse((await run('skopeo', ['inspect', '--raw', `oci:${layout}`])).stdout) as {
      mediaType: string;
      manifests: (Desc & { platform: { architecture: string } })[];
    };
    expect(raw.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(raw.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);

    const ours = walk(layout, digest);
    for (const [i, arch] of ['amd64', 'arm64'].entries()) {
      const os = [
        '--override-os',
        'linux',
        '--override-arch',
        arch,
        ...(arch === 'arm64' ? ['--override-variant', 'v8'] : []),
      ];
      const inspected = JSON.parse((await run('skopeo', [...os, 'inspect', `oci:${layout}`])).stdout) as {
        Architecture: string;
        Os: string;
        Layers: string[];
        Digest: string;
      };
      expect(inspected.Architecture).toBe(arch);
      expect(inspected.Os).toBe('linux');
      expect(inspected.Digest).toBe(digest); // skopeo names the image by its index
      expect(inspected.Layers).toEqual(ours.layers[i]);

      const out = newDir();
      await run('skopeo', [...os, 'copy', '--quiet', `oci:${layout}`, `dir:${out}`]);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { layers: Desc[] };
      expect(sha(readFileSync(join(out, 'manifest.json')))).toBe(ours.manifests[i]);
      expect(manifest.layers.map((l) => l.digest)).toEqual(ours.layers[i]);
      for (const l of manifest.layers) expect(sha(readFileSync(join(out, l.digest.slice(7))))).toBe(l.digest);

      const [base, app] = manifest.layers.map((l) =>
        readTar(gunzipSync(readFileSync(join(out, l.digest.slice(7)))), { what: l.digest }),
      );
      const meta = (es: TarEntry[] | undefined) =>
        (es ?? []).map((e) => [e.path, e.type, e.mode, e.uid, e.gid, e.mtime, e.linkTarget, e.data.toString()]);
      expect(meta(base)).toEqual([
        ['etc', 'dir', 0o755, 0, 0, EPOCH, undefined, ''],
        ['etc/passwd', 'file', 0o644, 0, 0, EPOCH, undefined, 'root:x:0:0::/root:/bin/sh\n'],
        ['usr', 'dir', 0o755, 0, 0, EPOCH, undefined, ''],
        ['usr/bin', 'dir', 0o755, 0, 0, EPOCH, undefined, ''],
        ['usr/bin/hello', 'file', 0o755, 0, 0, EPOCH, undefined, '#!/bin/sh\necho hello\n'],
        ['usr/bin/hi', 'symlink', 0o777, 0, 0, EPOCH, 'hello', ''],
      ]);
      expect(meta(app)).toEqual([
        ['opt', 'dir', 0o755, 0, 0, EPOCH, undefined, ''],
        ['opt/app', 'dir', 0o750, 0, 0, EPOCH, undefined, ''],
        ['opt/app/data', 'file', 0o640, 1000, 1000, EPOCH, undefined, 'v1'],
        ['opt/app/data-hard', 'hardlink', 0o640, 1000, 1000, EPOCH, 'opt/app/data', ''],
        ['opt/app/long-link', 'symlink', 0o777, 0, 0, EPOCH, `/${longDir}/${longName}`, ''],
        ['usr', 'dir', 0o755, 0, 0, EPOCH, undefined, ''],
        ['usr/share', 'dir', 0o755, 0, 0, EPOCH, undefined, ''],
        [`usr/share/${'a'.repeat(90)}`, 'dir', 0o755, 0, 0, EPOCH, undefined, ''],
        [longDir, 'dir', 0o755, 0, 0, EPOCH, undefined, ''],
        [`${longDir}/${longName}`, 'file', 0o644, 0, 0, EPOCH, undefined, 'long path'],
      ]);
    }
  });
});

describe('writeTar', () => {
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return e instanceof PipelineError ? e.code : `not a PipelineError: ${String(e)}`;
    }
    return undefined;
  };

  it('refuses ".." segments, escaping symlinks and entries below a symlink', () => {
    for (const path of ['../etc/passwd', 'usr/../../x', '/a/..', 'a/\0b'])
      expect(code(() => writeTar([file(path, 'x')], { sourceDateEpoch: EPOCH }))).toBe('build-unsafe-path');
    expect(code(() => writeTar([symlink('usr/x', '../../etc')], { sourceDateEpoch: EPOCH }))).toBe('build-unsafe-path');
    expect(
      code(() => writeTar([{ ...file('x', ''), type: 'hardlink', linkTarget: '../y' }], { sourceDateEpoch: EPOCH })),
    ).toBe('build-unsafe-path');
    expect(code(() => writeTar([symlink('lib', '/usr/lib'), file('lib/x', '')], { sourceDateEpoch: EPOCH }))).toBe(
      'build-unsafe-path',
    );
  });

  it('refuses duplicate paths, dangling hard links and a bad SOURCE_DATE_EPOCH', () => {
    expect(code(() => writeTar([file('a', '1'), file('./a', '2')], { sourceDateEpoch: EPOCH }))).toBe(
      'build-layer-invalid',
    );
    expect(
      code(() => writeTar([{ ...file('b', ''), type: 'hardlink', linkTarget: 'a' }], { sourceDateEpoch: EPOCH })),
    ).toBe('build-layer-invalid');
    expect(code(() => writeTar([], { sourceDateEpoch: -1 }))).toBe('build-image-invalid');
    expect(code(() => writeTar([], { sourceDateEpoch: 1.5 }))).toBe('build-image-invalid');
  });

  it('writes pax headers only when needed, and the same bytes for the same entries in any order', () => {
    const entries = [
      file('z', 'z'),
      dir('a'),
      file('a/b', 'b', 0o600, 5_000_000, 7),
      file(`a/${'x'.repeat(300)}`, 'long'),
    ];
    const tar = writeTar(entries, { sourceDateEpoch: EPOCH });
    expect(writeTar([...entries].reverse(), { sourceDateEpoch: EPOCH })).toEqual(tar);
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(tar.length - 1024).every((b) => b === 0)).toBe(true);
    const back = readTar(tar, { what: 'test' });
    expect(back.map((e) => [e.path, e.uid, e.gid])).toEqual([
      ['a', 0, 0],
      ['a/b', 5_000_000, 7],
      [`a/${'x'.repeat(300)}`, 0, 0],
      ['z', 0, 0],
    ]);
    const flags = [];
    for (let pos = 0; pos + 512 <= tar.length;) {
      const h = tar.subarray(pos, pos + 512);
      if (h.every((b) => b === 0)) break;
      flags.push(String.fromCharCode(h[156] ?? 0));
      expect(h.toString('latin1', 265, 297).replace(/\0/g, '')).toBe(''); // uname, gname
      const size = parseInt(h.toString('latin1', 124, 135), 8);
      pos += 512 + Math.ceil(size / 512) * 512;
    }
    expect(flags).toEqual(['5', 'x', '0', 'x', '0', '0']);
  });

  it('is read by GNU tar, long paths and hard links included', async () => {
    const entries = [
      dir('a'),
      file(`a/${'x'.repeat(300)}`, 'long'),
      file('a/b', 'b'),
      { ...file('a/0', ''), type: 'hardlink' as const, linkTarget: 'a/b' },
    ];
    const path = join(work, 'gnu.tar');
    writeFileSync(path, writeTar(entries, { sourceDateEpoch: EPOCH }));
    const listed = (await run('tar', ['--list', '--file', path])).stdout.split('\n').filter((l) => l !== '');
    expect(listed).toEqual(['a/', 'a/0', 'a/b', `a/${'x'.repeat(300)}`]);
    const verbose = (
      await run('tar', ['--list', '--verbose', '--numeric-owner', '--file', path], {
        env: { ...process.env, TZ: 'UTC' },
      })
    ).stdout;
    expect(verbose).toMatch(/a\/b link to a\/0/);
    expect(verbose).toContain('2023-11-14 22:13');
  });

  it('gzips with a fixed header and a stable digest', () => {
    const tar = writeTar(baseLayer(), { sourceDateEpoch: EPOCH });
    const one = compressLayer(tar);
    expect(one.blob.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000003');
    expect(compressLayer(Buffer.from(tar)).digest).toBe(one.digest);
    expect(one.diffId).toBe(sha(tar));
    expect(gunzipSync(one.blob)).toEqual(tar);
  });
});
