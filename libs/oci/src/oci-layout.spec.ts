import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError } from '@patch-factory/contracts';
import { IMAGE_LAYOUT_CODES, readLayoutBlob, readLayoutIndex, readLayoutManifest } from './oci-layout';

/** A layout of one manifest (`{}`-ish JSON), index.json pointing at it. */
function layout(root: string, name: string, version = '1.0.0') {
  const dir = join(root, name);
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 },
      layers: [],
    }),
  );
  const hex = createHash('sha256').update(manifest).digest('hex');
  const desc = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${hex}`,
    size: manifest.length,
  };
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: version }));
  writeFileSync(join(dir, 'blobs', 'sha256', hex), manifest);
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [desc] }));
  return { dir, desc, blob: join(dir, 'blobs', 'sha256', hex) };
}

async function codeOf(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PipelineError)) throw new Error(`expected a PipelineError, got ${String(error)}`);
  return error.code;
}

describe('the one OCI layout reader (push path and image reader)', () => {
  let root: string;
  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'pf-oci-layout-'))));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads index.json and a manifest checked against its descriptor', async () => {
    const { dir, desc } = layout(root, 'good');
    expect(await readLayoutIndex(dir)).toEqual([desc]);
    expect((await readLayoutManifest(dir, desc)).parsed.isIndex).toBe(false);
  });

  it('refuses a layout version other than 1.0.0 (the image reader always did; the push path took any 1.x)', async () => {
    expect(await codeOf(readLayoutIndex(layout(root, 'v11', '1.1.0').dir))).toBe('oci-invalid-layout');
  });

  it('refuses a manifest larger than its descriptor and a blob that is a symlink, each with its reader codes', async () => {
    const big = layout(root, 'big');
    writeFileSync(
      big.blob,
      Buffer.concat([Buffer.from(JSON.stringify({ schemaVersion: 2 })), Buffer.alloc(big.desc.size)]),
    );
    expect(await codeOf(readLayoutManifest(big.dir, big.desc))).toBe('oci-digest-mismatch');
    expect(await codeOf(readLayoutBlob(big.dir, big.desc, 1 << 20, IMAGE_LAYOUT_CODES))).toBe('image-blob-mismatch');
    const linked = layout(root, 'linked');
    rmSync(linked.blob);
    symlinkSync('/etc/hostname', linked.blob);
    expect(await codeOf(readLayoutManifest(linked.dir, linked.desc))).toBe('oci-invalid-layout');
    expect(await codeOf(readLayoutBlob(linked.dir, linked.desc, 1 << 20, IMAGE_LAYOUT_CODES))).toBe(
      'image-layout-invalid',
    );
    expect(
      await codeOf(
        readLayoutBlob(linked.dir, { digest: 'sha256:../../etc/passwd', size: 1 }, 1 << 20, IMAGE_LAYOUT_CODES),
      ),
    ).toBe('image-layout-invalid');
  });
});
