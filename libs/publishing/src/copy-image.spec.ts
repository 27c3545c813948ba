import { createHash, generateKeyPairSync } from 'node:crypto';
import { RegistryClient, existingManifest } from '@patch-factory/oci';
import {
  PredicateType,
  attestationTag,
  loadPublicKey,
  signatureTag,
  signingKeyFromKeyObject,
  statementFor,
  verifyImage,
  type ImageDescriptor,
  type SigningKey,
} from '@patch-factory/signing';
import { pushImage, startRegistry, type RegistryInstance } from '@patch-factory/testing';
import { copyImage } from './copy-image';
import { pushSignedArtifacts } from './push-signed';
import { signWithEvidence } from './sign-with-evidence';

const newKey = (): SigningKey =>
  signingKeyFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'test key');
const layerCount = (bytes: Buffer | undefined): number =>
  (JSON.parse((bytes ?? Buffer.from('{"layers":[]}')).toString('utf8')) as { layers: unknown[] }).layers.length;

/** Signs `digest` in `repo` with `key` (a signature and one CycloneDX attestation, with their bundles), keeping what is there. */
async function sign(client: RegistryClient, repo: string, image: ImageDescriptor, key: SigningKey): Promise<void> {
  const statements = [
    statementFor(image, PredicateType.cyclonedx, { bomFormat: 'CycloneDX', specVersion: '1.6', components: [] }),
  ];
  const existing = {
    signature: await existingManifest(client, repo, signatureTag(image.digest)),
    attestations: await existingManifest(client, repo, attestationTag(image.digest)),
  };
  await pushSignedArtifacts(client, repo, await signWithEvidence({ key, image, statements, existing }));
}

describe('copyImage (a real registry): an image with its signatures and attestations survives a copy to another repository', () => {
  let registry: RegistryInstance;
  let client: RegistryClient;
  let image: ImageDescriptor;
  const a = newKey();
  const b = newKey();

  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ registry: registry.url });
    const digest = await pushImage(registry.url, 'staging/app', 'run-1', 'the app layer');
    const top = await client.getManifest('staging/app', digest);
    image = { name: `${new URL(registry.url).host}/app`, digest, mediaType: top.mediaType, size: top.bytes.length };
    await sign(client, 'staging/app', image, a);
  }, 60_000);
  afterAll(() => registry?.stop());

  it('copies the image byte for byte with its .sig, .att and bundle referrers; it verifies in the new repository', async () => {
    const copied = await copyImage(client, 'staging/app', 'app', image.digest);
    expect(copied).toMatchObject({
      evidenceTags: [signatureTag(image.digest), attestationTag(image.digest)],
      referrers: 2,
    });
    expect((await client.getManifest('app', image.digest)).digest).toBe(image.digest);
    const verified = await verifyImage(client, 'app', image.digest, loadPublicKey(a.publicKeyPem));
    expect(verified.checks.map((c) => [c.kind, c.outcome])).toEqual([
      ['signature', 'verified'],
      ['attestation', 'verified'],
      ['bundle', 'verified'],
      ['bundle', 'verified'],
    ]);
    expect(verified.ok).toBe(true);
    // Copied again: nothing changes.
    const again = await copyImage(client, 'staging/app', 'app', image.digest);
    expect(again.evidenceTags).toEqual([]);
    expect(layerCount(await existingManifest(client, 'app', signatureTag(image.digest)))).toBe(1);
  }, 60_000);

  it('adds a second signer’s signatures to those the target has, never replacing them; each key verifies its own', async () => {
    await sign(client, 'staging/app', image, b);
    const copied = await copyImage(client, 'staging/app', 'app', image.digest);
    expect(copied.evidenceTags).toEqual([signatureTag(image.digest), attestationTag(image.digest)]);
    expect(layerCount(await existingManifest(client, 'app', signatureTag(image.digest)))).toBe(2);
    expect(layerCount(await existingManifest(client, 'app', attestationTag(image.digest)))).toBe(2);
    for (const key of [a, b]) {
      const v = await verifyImage(client, 'app', image.digest, loadPublicKey(key.publicKeyPem));
      expect(v.ok).toBe(true);
      expect(
        v.checks
          .filter((c) => c.kind === 'signature')
          .map((c) => c.outcome)
          .sort(),
      ).toEqual(['other-key', 'verified']);
    }
    // A key that signed nothing: nothing verifies.
    const stranger = await verifyImage(client, 'app', image.digest, loadPublicKey(newKey().publicKeyPem));
    expect(stranger.ok).toBe(false);
    expect(stranger.checks.every((c) => c.outcome === 'other-key')).toBe(true);
  }, 60_000);

  it('fails an image whose signature the key made for another image (a replayed .sig)', async () => {
    const other = await pushImage(registry.url, 'replay', 'other', 'another layer');
    const otherTop = await client.getManifest('replay', other);
    const victim = await pushImage(registry.url, 'replay', 'victim', 'the victim layer');
    const signed = await signWithEvidence({
      key: a,
      image: {
        name: `${new URL(registry.url).host}/replay`,
        digest: other,
        mediaType: otherTop.mediaType,
        size: otherTop.bytes.length,
      },
      statements: [],
    });
    const sig = signed.tags.find((t) => t.tag.endsWith('.sig'));
    if (!sig) throw new Error('no .sig made');
    await pushSignedArtifacts(client, 'replay', {
      ...signed,
      tags: [{ ...sig, tag: signatureTag(victim) }],
      referrers: [],
    });
    const v = await verifyImage(client, 'replay', victim, loadPublicKey(a.publicKeyPem));
    expect(v.ok).toBe(false);
    expect(v.checks).toEqual([
      expect.objectContaining({
        kind: 'signature',
        outcome: 'failed',
        message: expect.stringContaining(other) as string,
      }),
    ]);
  }, 60_000);

  it('reports a malformed attestation layer as failed instead of stopping', async () => {
    const victim = await pushImage(registry.url, 'garbled', 'v1', 'a garbled image');
    const top = await client.getManifest('garbled', victim);
    await sign(
      client,
      'garbled',
      {
        name: `${new URL(registry.url).host}/garbled`,
        digest: victim,
        mediaType: top.mediaType,
        size: top.bytes.length,
      },
      a,
    );
    // Replace the .att manifest by one whose layer is not JSON.
    const junk = Buffer.from('not an envelope');
    const junkDigest = await client.pushBlob(
      'garbled',
      { bytes: junk },
      { digest: `sha256:${createHash('sha256').update(junk).digest('hex')}` },
    );
    const config = Buffer.from('{}');
    const configDigest = (
      await client.pushBlob(
        'garbled',
        { bytes: config },
        { digest: `sha256:${createHash('sha256').update(config).digest('hex')}` },
      )
    ).digest;
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: 2 },
        layers: [
          {
            mediaType: 'application/vnd.dsse.envelope.v1+json',
            digest: junkDigest.digest,
            size: junk.length,
            annotations: { predicateType: PredicateType.cyclonedx },
          },
        ],
      }),
    );
    await client.putManifest('garbled', attestationTag(victim), manifest, 'application/vnd.oci.image.manifest.v1+json');
    const v = await verifyImage(client, 'garbled', victim, loadPublicKey(a.publicKeyPem));
    expect(v.ok).toBe(false);
    expect(v.checks).toContainEqual({
      kind: 'attestation',
      what: PredicateType.cyclonedx,
      outcome: 'failed',
      message: `layer ${junkDigest.digest} is not JSON`,
    });
    expect(v.checks.find((c) => c.kind === 'signature')?.outcome).toBe('verified');
  }, 60_000);
});
