/** The image reader of libs/oci (readImageLayout, readImageRootFs) on layouts libs/builder writes: round trip, tampering, limits. */
import { PipelineError } from '@patch-factory/contracts';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { TarEntry } from '@patch-factory/oci';
import { writeImageLayout, type ImageLayoutSpec } from './image-layout';
import { readImageLayout, readImageRootFs } from '@patch-factory/oci';
import { writeTar } from './tar-write';

const EPOCH = 1_700_000_000;
let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'builder-layout-read-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const newDir = () => join(work, `d${++n}`);

const file = (path: string, text: string): TarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 1,
  data: Buffer.from(text),
});
const dir = (path: string): TarEntry => ({
  path,
  type: 'dir',
  mode: 0o755,
  uid: 0,
  gid: 0,
  mtime: 1,
  data: Buffer.alloc(0),
});
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const base = (): TarEntry[] => [
  dir('etc'),
  file('etc/passwd', 'root'),
  file('etc/hosts', 'v1'),
  dir('opt'),
  dir('opt/app'),
  file('opt/app/old', 'old'),
  dir('opt/app/sub'),
  file('opt/app/sub/x', 'x'),
  dir('var'),
  dir('var/cache'),
  file('var/cache/a', 'a'),
];
/** Whiteouts of the layer below, a replaced file, an emptied directory with a new file in it, a directory replaced by a file. */
const changes = (): TarEntry[] => [
  dir('etc'),
  file('etc/.wh.passwd', ''),
  file('etc/hosts', 'v2'),
  dir('opt'),
  dir('opt/app'),
  file('opt/app/.wh..wh..opq', ''),
  file('opt/app/new', 'new'),
  file('var/cache', 'now a file'),
];

const spec = (layers = [base(), changes()]): ImageLayoutSpec => ({
  sourceDateEpoch: EPOCH,
  refName: '1.0',
  platforms: [
    { os: 'linux', architecture: 'amd64', layers, config: { User: '1000' } },
    { os: 'linux', architecture: 'arm64', variant: 'v8', layers: [base()], config: {} },
  ],
});

async function code(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
  } catch (e) {
    return e instanceof PipelineError ? e.code : `not a PipelineError: ${String(e)}`;
  }
  return undefined;
}

async function message(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

/** A layout whose index.json points straight at one manifest, with raw (possibly hostile) layer tars. */
function rawLayout(tars: Buffer[]): string {
  const out = newDir();
  const blobs = join(out, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer, mediaType: string) => {
    writeFileSync(join(blobs, sha(data).slice(7)), data);
    return { mediaType, digest: sha(data), size: data.length };
  };
  const layers = tars.map((t) => put(gzipSync(t), 'application/vnd.oci.image.layer.v1.tar+gzip'));
  const config = put(
    Buffer.from(
      JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: tars.map(sha) } }),
    ),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers }),
    ),
    'application/vnd.oci.image.manifest.v1+json',
  );
  writeFileSync(join(out, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(out, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [manifest] }));
  return out;
}

/** A tar whose first entry's name has `from` replaced by `to` (same length), checksum fixed. */
function patchedTar(entries: TarEntry[], from: string, to: string): Buffer {
  const tar = writeTar(entries, { sourceDateEpoch: EPOCH });
  const at = tar.indexOf(from);
  tar.write(to, at, 'latin1');
  const header = Math.floor(at / 512) * 512;
  tar.fill(0x20, header + 148, header + 156);
  let sum = 0;
  for (let i = header; i < header + 512; i++) sum += tar[i] ?? 0;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, header + 148, 'latin1');
  return tar;
}

describe('readImageLayout', () => {
  it('follows index.json, the image index and the platform manifest to the config and layers', async () => {
    const out = newDir();
    const digest = await writeImageLayout(out, spec());
    const amd = await readImageLayout(out, { platform: 'linux/amd64' });
    expect(amd.indexDigest).toBe(digest);
    expect(amd.platform).toBe('linux/amd64');
    expect(amd.layers).toHaveLength(2);
    expect((amd.config['config'] as { User: string }).User).toBe('1000');
    expect((amd.config['rootfs'] as { diff_ids: string[] }).diff_ids).toEqual(amd.layers.map((l) => l.diffId));
    const manifest = JSON.parse(readFileSync(join(out, 'blobs', 'sha256', amd.manifestDigest.slice(7)), 'utf8')) as {
      layers: { digest: string }[];
    };
    expect(amd.layers.map((l) => l.digest)).toEqual(manifest.layers.map((l) => l.digest));

    const arm = await readImageLayout(out, { platform: 'linux/arm64/v8', tag: '1.0' });
    expect(arm.platform).toBe('linux/arm64/v8');
    expect(arm.indexDigest).toBe(digest);
    expect(arm.manifestDigest).not.toBe(amd.manifestDigest);
  });

  it('asks for a platform or tag it cannot choose, and refuses one it does not hold', async () => {
    const out = newDir();
    await writeImageLayout(out, spec());
    expect(await message(readImageLayout(out))).toMatch(
      /holds 2 platforms \(linux\/amd64, linux\/arm64\/v8\); give the platform/,
    );
    expect(await code(readImageLayout(out, { platform: 'linux/s390x' }))).toBe('image-not-found');
    expect(await code(readImageLayout(out, { platform: 'linux/amd64', tag: 'latest' }))).toBe('image-not-found');
    expect(await code(readImageLayout(out, { platform: '../../x' }))).toBe('image-not-found');
  });

  it('reads a layout whose index.json points straight at a manifest', async () => {
    const out = rawLayout([writeTar([file('a', '1')], { sourceDateEpoch: EPOCH })]);
    const image = await readImageLayout(out);
    expect(image.indexDigest).toBe(image.manifestDigest);
    expect([...(await readImageRootFs(out)).keys()]).toEqual(['a']);
  });

  it('refuses a tampered blob, a digest that is no sha256 hex and a blob of the wrong size', async () => {
    const out = newDir();
    await writeImageLayout(out, spec());
    const image = await readImageLayout(out, { platform: 'linux/amd64' });
    const layer = join(out, 'blobs', 'sha256', (image.layers[1]?.digest ?? '').slice(7));
    const original = readFileSync(layer);
    const tampered = Buffer.from(original);
    tampered[20] = (tampered[20] ?? 0) ^ 0xff;
    writeFileSync(layer, tampered);
    const why = await message(readImageRootFs(out, { platform: 'linux/amd64' }));
    expect(why).toContain(`blob ${image.layers[1]?.digest} has digest sha256:`);
    expect(await code(readImageRootFs(out, { platform: 'linux/amd64' }))).toBe('image-blob-mismatch');
    writeFileSync(layer, Buffer.concat([original, Buffer.from('x')]));
    expect(await code(readImageRootFs(out, { platform: 'linux/amd64' }))).toBe('image-blob-mismatch');
    unlinkSync(layer);
    symlinkSync('/etc/hostname', layer);
    expect(await message(readImageRootFs(out, { platform: 'linux/amd64' }))).toMatch(
      /is missing or not a regular file/,
    );
    unlinkSync(layer);
    writeFileSync(layer, original);
    await readImageRootFs(out, { platform: 'linux/amd64' });

    const manifest = JSON.parse(readFileSync(join(out, 'blobs', 'sha256', image.manifestDigest.slice(7)), 'utf8')) as {
      config: { digest: string };
    };
    const config = join(out, 'blobs', 'sha256', manifest.config.digest.slice(7));
    writeFileSync(config, readFileSync(config, 'utf8').replace('"amd64"', '"arm64"'));
    expect(await code(readImageLayout(out, { platform: 'linux/amd64' }))).toBe('image-blob-mismatch');

    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    for (const digest of ['sha256:../../../etc/passwd', 'sha512:' + 'a'.repeat(128), 'sha256:' + 'A'.repeat(64)]) {
      (index.manifests[0] as { digest: string }).digest = digest;
      writeFileSync(join(out, 'index.json'), JSON.stringify(index));
      expect(await code(readImageLayout(out))).toBe('image-layout-invalid');
    }
  });
});

describe('readImageRootFs', () => {
  it('applies whiteouts, opaque directories and replacements in layer order', async () => {
    const out = newDir();
    await writeImageLayout(out, spec());
    const fs = await readImageRootFs(out, { platform: 'linux/amd64' });
    expect([...fs.keys()].sort()).toEqual(['etc', 'etc/hosts', 'opt', 'opt/app', 'opt/app/new', 'var', 'var/cache']);
    expect(fs.get('etc/hosts')?.data.toString()).toBe('v2');
    expect(fs.get('var/cache')?.type).toBe('file');
    const arm = await readImageRootFs(out, { platform: 'linux/arm64/v8' });
    expect(arm.get('etc/passwd')?.data.toString()).toBe('root');
    expect(arm.has('opt/app/sub/x')).toBe(true);
  });

  it('refuses a layer larger than the limits, a path escaping the root and a whiteout naming nothing', async () => {
    const big = rawLayout([writeTar([file('zeros', '\0'.repeat(1 << 20))], { sourceDateEpoch: EPOCH })]);
    expect(await message(readImageRootFs(big, { maxUncompressedBytes: 64 * 1024 }))).toMatch(
      /layer 1 \(sha256:[0-9a-f]{64}\) decompresses to more than 65536 bytes/,
    );
    expect(await code(readImageRootFs(big, { maxUncompressedBytes: 64 * 1024 }))).toBe('image-layout-too-large');
    expect(await code(readImageRootFs(big, { maxLayerBytes: 100 }))).toBe('image-layout-too-large');

    const escaping = rawLayout([patchedTar([file('aa/passwd', 'x')], 'aa/passwd', '../passwd')]);
    expect(await message(readImageRootFs(escaping))).toContain('"../passwd" has a ".." path segment');
    expect(await code(readImageRootFs(escaping))).toBe('image-layer-invalid');

    const badWhiteout = rawLayout([writeTar([file('etc/.wh..wh.x', '')], { sourceDateEpoch: EPOCH })]);
    expect(await code(readImageRootFs(badWhiteout))).toBe('image-layer-invalid');
  });
});
