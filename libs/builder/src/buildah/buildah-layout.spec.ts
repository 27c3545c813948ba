import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError } from '@patch-factory/contracts';
import { readPushedDigest } from './buildah-layout';

/** What `buildah push oci:<dir>` leaves: one manifest in index.json. */
function pushedLayout(
  root: string,
  name: string,
  edit: (manifest: Buffer, entry: Record<string, unknown>) => void = () => undefined,
): { dir: string; digest: string } {
  const dir = join(root, name);
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] }),
  );
  const hex = createHash('sha256').update(manifest).digest('hex');
  const entry: Record<string, unknown> = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${hex}`,
    size: manifest.length,
  };
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'blobs', 'sha256', hex), manifest);
  edit(manifest, entry);
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
  return { dir, digest: `sha256:${hex}` };
}

async function failure(run: Promise<unknown>): Promise<PipelineError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PipelineError)) throw new Error(`expected a PipelineError, got ${String(error)}`);
  return error;
}

describe('readPushedDigest (the layout buildah pushed, read by libs/oci)', () => {
  let root: string;
  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'pf-buildah-layout-'))));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('returns the one manifest digest buildah reported', async () => {
    const { dir, digest } = pushedLayout(root, 'good');
    expect(await readPushedDigest(dir, `${digest}\n`)).toBe(digest);
  });

  it('refuses another digest than reported, a tampered or resized manifest and a bad marker, as build-buildah-failed', async () => {
    const good = pushedLayout(root, 'other');
    expect((await failure(readPushedDigest(good.dir, `sha256:${'0'.repeat(64)}`))).message).toMatch(
      /but buildah reported/,
    );
    const tampered = pushedLayout(root, 'tampered');
    writeFileSync(join(tampered.dir, 'blobs', 'sha256', tampered.digest.slice(7)), 'x'.repeat(10));
    const mismatch = await failure(readPushedDigest(tampered.dir, tampered.digest));
    expect(mismatch.code).toBe('build-buildah-failed');
    expect(mismatch.message).toMatch(
      /^buildah wrote no usable OCI image layout to .*: .*blob sha256:[0-9a-f]{64} (is 10 bytes|has digest)/,
    );
    const resized = pushedLayout(root, 'resized', (_m, entry) => (entry['size'] = 3));
    expect((await failure(readPushedDigest(resized.dir, resized.digest))).code).toBe('build-buildah-failed');
    const marker = pushedLayout(root, 'marker');
    writeFileSync(join(marker.dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    expect((await failure(readPushedDigest(marker.dir, marker.digest))).message).toMatch(
      /imageLayoutVersion is "2\.0\.0"/,
    );
  });
});
