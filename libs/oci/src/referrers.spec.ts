// docker-registry 2.8 has no referrers API: listReferrers falls back to the OCI 1.1 tag schema
// (`sha256-<hex>`) and pushReferrer keeps that index, idempotently.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, writeTestLayout, type RegistryInstance } from '@patch-factory/testing';
import { pushLayout } from './layout-push';
import { OCI_INDEX, OCI_MANIFEST } from './oci-descriptor';
import { RegistryClient } from './registry-client';
import { referrersTag } from './referrers';

const SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const SBOM = 'application/vnd.cyclonedx+json';
const EMPTY = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
};

describe('referrers against docker-registry 2.8 (no referrers API)', () => {
  let registry: RegistryInstance;
  let work: string;

  beforeAll(async () => {
    registry = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'pf-oci-referrers-'));
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('maintains the sha256-<hex> fallback index and lists from it', async () => {
    const client = new RegistryClient({ registry: registry.url });
    const layout = writeTestLayout(join(work, 'subject'), { platforms: ['linux/amd64'], single: true });
    const subject = await pushLayout(client, layout.dir, 'pf/signed', '1.0');
    const subjectSize = (await client.getManifest('pf/signed', subject.digest)).bytes.length;
    expect(await client.listReferrers('pf/signed', subject.digest)).toEqual({ manifests: [], via: 'tag' });
    await client.pushBlob('pf/signed', { bytes: Buffer.from('{}') }, { digest: EMPTY.digest });
    const referrer = (artifactType: string, note: string) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType,
          config: EMPTY,
          layers: [EMPTY],
          subject: { mediaType: subject.mediaType, digest: subject.digest, size: subjectSize },
          annotations: { 'org.example.note': note },
        }),
      );
    const sig = referrer(SIGNATURE, 'signature');
    const first = await client.pushReferrer('pf/signed', sig, OCI_MANIFEST);
    expect(first).toMatchObject({ subject: subject.digest, via: 'tag', indexUpdated: true });
    const twice = await client.pushReferrer('pf/signed', sig, OCI_MANIFEST);
    expect(twice).toMatchObject({ digest: first.digest, via: 'tag', indexUpdated: false });
    const sbom = await client.pushReferrer('pf/signed', referrer(SBOM, 'sbom'), OCI_MANIFEST);

    const listed = await client.listReferrers('pf/signed', subject.digest);
    expect(listed.via).toBe('tag');
    expect(listed.manifests).toEqual([
      {
        mediaType: OCI_MANIFEST,
        digest: first.digest,
        size: sig.length,
        artifactType: SIGNATURE,
        annotations: { 'org.example.note': 'signature' },
      },
      expect.objectContaining({ digest: sbom.digest, artifactType: SBOM }),
    ]);
    expect((await client.listReferrers('pf/signed', subject.digest, SBOM)).manifests.map((d) => d.digest)).toEqual([
      sbom.digest,
    ]);
    const index = await client.getManifest('pf/signed', referrersTag(subject.digest));
    expect(index.mediaType).toBe(OCI_INDEX);
    // The referrer itself is stored by digest.
    expect((await client.getManifest('pf/signed', first.digest)).bytes.equals(sig)).toBe(true);
  });

  it('keeps every referrer when writers race on the fallback index (each reads back its own entry)', async () => {
    const layout = writeTestLayout(join(work, 'raced'), { platforms: ['linux/amd64'], single: true });
    const setup = new RegistryClient({ registry: registry.url });
    const subject = await pushLayout(setup, layout.dir, 'pf/raced', '1.0');
    const subjectSize = (await setup.getManifest('pf/raced', subject.digest)).bytes.length;
    await setup.pushBlob('pf/raced', { bytes: Buffer.from('{}') }, { digest: EMPTY.digest });
    const referrers = Array.from({ length: 8 }, (_, i) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: SBOM,
          config: EMPTY,
          layers: [EMPTY],
          subject: { mediaType: subject.mediaType, digest: subject.digest, size: subjectSize },
          annotations: { 'org.example.n': String(i) },
        }),
      ),
    );
    // Eight writers at once, each with its own client (as separate jobs would be).
    const pushed = await Promise.all(
      referrers.map((bytes) =>
        new RegistryClient({ registry: registry.url }).pushReferrer('pf/raced', bytes, OCI_MANIFEST),
      ),
    );
    const listed = (await setup.listReferrers('pf/raced', subject.digest)).manifests.map((d) => d.digest).sort();
    expect(listed).toEqual(pushed.map((p) => p.digest).sort());
    expect(new Set(listed).size).toBe(8);
  });
});
