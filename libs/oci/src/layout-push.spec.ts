// Push OCI image layouts to a real docker-registry, read them back with this client and with
// skopeo, and check the digests survive every hop.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError } from '@patch-factory/contracts';
import { startFaultProxy, startRegistry, writeTestLayout, type RegistryInstance } from '@patch-factory/testing';
import { pullLayout } from './layout-pull';
import { pushLayout } from './layout-push';
import { OciErrorCode } from './oci-errors';
import { RegistryClient } from './registry-client';

const skopeo = (...args: string[]): string =>
  execFileSync('skopeo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

async function failure(p: Promise<unknown>): Promise<PipelineError> {
  const error: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PipelineError)) throw new Error(`expected a PipelineError, got ${String(error)}`);
  return error;
}

describe('pushLayout / pullLayout against a real docker-registry', () => {
  let registry: RegistryInstance;
  let host: string;
  let work: string;
  const retry = { baseDelayMs: 5, maxDelayMs: 20 };

  beforeAll(async () => {
    registry = await startRegistry();
    host = registry.url.replace('http://', '');
    work = mkdtempSync(join(tmpdir(), 'pf-oci-layout-'));
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('pushes a two-platform index, skips every blob the second time, and pulls it back with equal digests', async () => {
    const layout = writeTestLayout(join(work, 'multi'));
    const client = new RegistryClient({ registry: registry.url, retry });
    const seen: { digest: string; outcome: string; done: number; total: number }[] = [];
    const first = await pushLayout(client, layout.dir, 'pf/multi', '1.0', {
      onBlob: (b) => seen.push({ digest: b.digest, outcome: b.outcome, done: b.done, total: b.total }),
    });
    expect(first).toMatchObject({ digest: layout.digest, manifests: 3, blobs: { pushed: 6, skipped: 0, mounted: 0 } });
    // The progress callback saw each blob once, counting up to the total.
    expect(seen.map((b) => b.digest).sort()).toEqual([...new Set(layout.blobs.map((b) => b.digest))].sort());
    expect(seen.map((b) => [b.done, b.total])).toEqual(seen.map((_, i) => [i + 1, 6]));
    expect(new Set(seen.map((b) => b.outcome))).toEqual(new Set(['pushed']));
    expect(first.bytesPushed).toBe(layout.blobs.reduce((n, b) => n + b.size, 0));
    const again = await pushLayout(client, layout.dir, 'pf/multi', '1.0');
    expect(again).toMatchObject({
      digest: layout.digest,
      blobs: { pushed: 0, skipped: 6, mounted: 0 },
      bytesPushed: 0,
    });
    expect(await client.resolveTag('pf/multi', '1.0')).toBe(layout.digest);

    const back = join(work, 'multi-back');
    const pulled = await pullLayout(client, 'pf/multi', '1.0', back);
    expect(pulled).toMatchObject({ digest: layout.digest, manifests: 3, blobs: 6 });
    for (const digest of [layout.digest, ...layout.manifests, ...layout.blobs.map((b) => b.digest)]) {
      const hex = digest.slice('sha256:'.length);
      expect(
        readFileSync(join(back, 'blobs/sha256', hex)).equals(readFileSync(join(layout.dir, 'blobs/sha256', hex))),
      ).toBe(true);
    }
    // skopeo reads the layout written back.
    expect(skopeo('inspect', '--raw', `oci:${back}:1.0`).trim()).toBe(
      readFileSync(join(layout.dir, 'blobs/sha256', layout.digest.slice(7)), 'utf8'),
    );
  });

  it('is read by skopeo: inspect, copy to another repository and to an oci: directory', async () => {
    const layout = writeTestLayout(join(work, 'sk'));
    {
      const client = new RegistryClient({ registry: registry.url, retry });
      await pushLayout(client, layout.dir, 'pf/sk', 'v1');
      const raw = skopeo('inspect', '--tls-verify=false', '--raw', `docker://${host}/pf/sk:v1`);
      expect(JSON.parse(raw)).toMatchObject({ mediaType: 'application/vnd.oci.image.index.v1+json' });
      const arm = JSON.parse(
        skopeo('inspect', '--tls-verify=false', '--override-arch', 'arm64', `docker://${host}/pf/sk:v1`),
      ) as { Digest: string; Architecture: string };
      expect(arm.Architecture).toBe('arm64');
      // skopeo reports the digest of what the tag names (the index).
      expect(arm.Digest).toBe(layout.digest);
      skopeo(
        'copy',
        '--all',
        '--preserve-digests',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${host}/pf/sk:v1`,
        `docker://${host}/pf/sk-copy:v1`,
      );
      expect(await client.resolveTag('pf/sk-copy', 'v1')).toBe(layout.digest);
      const dir = join(work, 'sk-oci');
      skopeo(
        'copy',
        '--all',
        '--preserve-digests',
        '--src-tls-verify=false',
        `docker://${host}/pf/sk:v1`,
        `oci:${dir}:v1`,
      );
      const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
      expect(index.manifests.map((m) => m.digest)).toEqual([layout.digest]);
      // And a layout skopeo wrote is pushed by this client unchanged.
      const repushed = await pushLayout(client, dir, 'pf/sk-repush', 'v1', { refName: 'v1' });
      expect(repushed.digest).toBe(layout.digest);
    }
  });

  it('uploads large blobs in chunks (PATCH + Content-Range + PUT) and small ones in one PUT', async () => {
    const layout = writeTestLayout(join(work, 'chunked'), {
      platforms: ['linux/amd64'],
      layers: 2,
      layerBytes: 10_000,
    });
    const proxy = await startFaultProxy(registry.url);
    try {
      const client = new RegistryClient({ registry: proxy.url, retry });
      const result = await pushLayout(client, layout.dir, 'pf/chunked', 'c1', {
        upload: { monolithicMaxBytes: 5000, chunkSize: 4096 },
      });
      expect(result.blobs.pushed).toBe(3);
      const patches = proxy.requests.filter((r) => r.method === 'PATCH');
      // Two 10 000-byte layers in 4096-byte chunks: 3 PATCHes each; the small config goes in one PUT.
      expect(patches).toHaveLength(6);
      expect(proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'))).toHaveLength(3);
      const back = await pullLayout(
        new RegistryClient({ registry: registry.url }),
        'pf/chunked',
        'c1',
        join(work, 'chunked-back'),
      );
      expect(back.digest).toBe(layout.digest);
      expect(
        skopeo('inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${host}/pf/chunked:c1`).trim(),
      ).toBe(layout.digest);
    } finally {
      await proxy.stop();
    }
  });

  it('mounts blobs from another repository of the registry', async () => {
    const layout = writeTestLayout(join(work, 'mount'));
    const client = new RegistryClient({ registry: registry.url, retry });
    await pushLayout(client, layout.dir, 'pf/mount-src', 'm1');
    const mounted = await pushLayout(client, layout.dir, 'pf/mount-dst', 'm1', { mountFrom: 'pf/mount-src' });
    expect(mounted.blobs).toEqual({ pushed: 0, skipped: 0, mounted: 6 });
    expect(mounted.bytesPushed).toBe(0);
    // A repository that lacks the blob: the registry opens an upload instead (202) and the blob is uploaded.
    const other = writeTestLayout(join(work, 'mount-miss'), { platforms: ['linux/amd64'] });
    const fellBack = await pushLayout(client, other.dir, 'pf/mount-dst', 'm2', { mountFrom: 'pf/mount-src' });
    expect(fellBack.blobs).toEqual({ pushed: 3, skipped: 0, mounted: 0 });
    expect(await client.mountBlob('pf/mount-third', layout.blobs[0]?.digest ?? '', 'pf/mount-src')).toBe(true);
    expect(await client.blobExists('pf/mount-third', layout.blobs[0]?.digest ?? '')).toBe(true);
    const back = await pullLayout(client, 'pf/mount-dst', 'm1', join(work, 'mount-back'));
    expect(back.digest).toBe(layout.digest);
  });

  it('refuses an ambiguous index.json, a blob that does not hash to its digest, and a bad blob path', async () => {
    const client = new RegistryClient({ registry: registry.url, retry });
    const layout = writeTestLayout(join(work, 'bad'), { platforms: ['linux/amd64'], single: true });
    const index = JSON.parse(readFileSync(join(layout.dir, 'index.json'), 'utf8')) as {
      manifests: Record<string, unknown>[];
    };
    const entry = index.manifests[0] as Record<string, unknown>;
    writeFileSync(
      join(layout.dir, 'index.json'),
      JSON.stringify({
        ...index,
        manifests: [entry, { ...entry, annotations: { 'org.opencontainers.image.ref.name': 'other' } }],
      }),
    );
    expect((await failure(pushLayout(client, layout.dir, 'pf/bad', 'x'))).code).toBe(OciErrorCode.invalidLayout);
    // Naming one resolves the ambiguity.
    expect((await pushLayout(client, layout.dir, 'pf/bad', 'x', { refName: 'test' })).digest).toBe(layout.digest);

    const tampered = writeTestLayout(join(work, 'tampered'), { platforms: ['linux/amd64'], single: true });
    const layer = tampered.blobs[0]?.digest.slice(7) ?? '';
    const bytes = readFileSync(join(tampered.dir, 'blobs/sha256', layer));
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    writeFileSync(join(tampered.dir, 'blobs/sha256', layer), bytes);
    const mismatch = await failure(pushLayout(client, tampered.dir, 'pf/tampered', 'x'));
    expect(mismatch.code).toBe(OciErrorCode.digestMismatch);
    expect(mismatch.message).toContain(`sha256:${layer}`);
    expect(await client.blobExists('pf/tampered', `sha256:${layer}`)).toBe(false);

    const sha512 = writeTestLayout(join(work, 'sha512'), { platforms: ['linux/amd64'], single: true });
    const idx = JSON.parse(readFileSync(join(sha512.dir, 'index.json'), 'utf8')) as {
      manifests: Record<string, unknown>[];
    };
    writeFileSync(
      join(sha512.dir, 'index.json'),
      JSON.stringify({ ...idx, manifests: [{ ...idx.manifests[0], digest: `sha512:${'a'.repeat(128)}` }] }),
    );
    expect((await failure(pushLayout(client, sha512.dir, 'pf/bad', 'y'))).code).toBe(OciErrorCode.invalidLayout);
  });
});
