import { createHash, verify } from 'node:crypto';
import { sha256Digest } from '../digest';
import { loadPublicKey, signingKeyFromPem } from '../keys/p256-key';
import { fakeImage, p256Pem } from '../signing.fixture';
import { signImage } from '../sign-image';
import { COSIGN_SIGNATURE_ANNOTATION, signatureLayer, signatureManifest } from './signature-manifest';
import { simpleSigningPayload } from './simple-signing';
import { verifySimpleSigning } from './verify-simple-signing';

const keyA = p256Pem();
const keyB = p256Pem();
const signerA = signingKeyFromPem(keyA.privatePem, 'key A');
const signerB = signingKeyFromPem(keyB.privatePem, 'key B');
const pubA = loadPublicKey(keyA.publicPem);
const image = fakeImage('one');
const other = fakeImage('two');

describe('cosign simple signing', () => {
  it('writes the payload byte for byte as cosign does', () => {
    const payload = simpleSigningPayload('registry.example:5000/team/app', 'sha256:' + 'ab'.repeat(32));
    expect(payload.toString()).toBe(
      '{"critical":{"identity":{"docker-reference":"registry.example:5000/team/app"},"image":{"docker-manifest-digest":"sha256:' +
        'ab'.repeat(32) +
        '"},"type":"cosign container image signature"},"optional":null}',
    );
    expect(() => simpleSigningPayload('registry.example/team/app:latest', image.digest)).toThrow(
      'is not a repository name',
    );
    expect(() => simpleSigningPayload('registry.example/team/app', 'sha256:abc')).toThrow(
      'is not sha256:<64 lowercase hex>',
    );
  });

  it('signs an image: .sig manifest with cosign config, one simplesigning layer carrying the signature, tag sha256-<hex>.sig; the signature verifies', async () => {
    const s = await signImage({ key: signerA, image });
    const m = s.sigManifest;
    expect(m.tag).toBe(`sha256-${image.digest.slice(7)}.sig`);
    const manifest = JSON.parse(m.manifest.bytes.toString()) as {
      mediaType: string;
      config: { digest: string; mediaType: string };
      layers: { mediaType: string; digest: string; size: number; annotations: Record<string, string> }[];
    };
    expect(m.manifest.digest).toBe(sha256Digest(m.manifest.bytes));
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.layers).toEqual([
      {
        mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
        size: s.payload.length,
        digest: sha256Digest(s.payload),
        annotations: { [COSIGN_SIGNATURE_ANNOTATION]: s.signature },
      },
    ]);
    const config = m.blobs.find((b) => b.digest === manifest.config.digest);
    expect(config?.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    expect(config?.bytes.toString()).toBe(
      `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${sha256Digest(s.payload)}"]},"config":{}}`,
    );
    for (const b of m.blobs) expect(b.digest).toBe(`sha256:${createHash('sha256').update(b.bytes).digest('hex')}`);
    expect(m.blobs.find((b) => b.digest === sha256Digest(s.payload))?.bytes).toEqual(s.payload);
    expect(
      verify('sha256', s.payload, { key: keyA.publicPem, dsaEncoding: 'der' }, Buffer.from(s.signature, 'base64')),
    ).toBe(true);
    expect(
      verifySimpleSigning({
        payload: s.payload,
        signature: s.signature,
        publicKey: pubA,
        imageDigest: image.digest,
        reference: image.name,
      }),
    ).toMatchObject({ ok: true });
  });

  it('fails verification for a tampered payload, a wrong key, another digest and another repository', async () => {
    const s = await signImage({ key: signerA, image });
    const tampered = Buffer.from(s.payload.toString().replace(image.digest, other.digest));
    expect(
      verifySimpleSigning({ payload: tampered, signature: s.signature, publicKey: pubA, imageDigest: other.digest }),
    ).toMatchObject({ ok: false, reason: 'bad-signature' });
    const wrongKey = verifySimpleSigning({
      payload: s.payload,
      signature: s.signature,
      publicKey: loadPublicKey(keyB.publicPem),
      imageDigest: image.digest,
    });
    expect(wrongKey).toMatchObject({ ok: false, reason: 'bad-signature' });
    const forOther = await signImage({ key: signerA, image: other });
    const r = verifySimpleSigning({
      payload: forOther.payload,
      signature: forOther.signature,
      publicKey: pubA,
      imageDigest: image.digest,
    });
    expect(r).toEqual({
      ok: false,
      reason: 'digest-mismatch',
      message: `the signature is for ${other.digest}, not ${image.digest}`,
    });
    expect(
      verifySimpleSigning({
        payload: s.payload,
        signature: s.signature,
        publicKey: pubA,
        imageDigest: image.digest,
        reference: 'registry.example/elsewhere',
      }),
    ).toMatchObject({ ok: false, reason: 'reference-mismatch' });
    expect(
      verifySimpleSigning({ payload: s.payload, signature: '', publicKey: pubA, imageDigest: image.digest }),
    ).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('merges with an existing .sig manifest idempotently: the same signature is not added twice, a re-sign by the same key adds nothing, another key adds a layer', async () => {
    const first = await signImage({ key: signerA, image });
    expect(first.sigManifest.added).toBe(1);
    // The same layer again: nothing added, same bytes.
    const again = signatureManifest(image.digest, [signatureLayer(first.payload, first.signature)], {
      existing: first.sigManifest.manifest.bytes,
    });
    expect(again.added).toBe(0);
    expect(again.manifest.digest).toBe(first.sigManifest.manifest.digest);
    // A retried job signs again with the same key: the signature in the registry is reused (ECDSA
    // would make another one), so the layer, the bundle and its referrer are the same bytes.
    const retried = await signImage({
      key: signerA,
      image,
      existingSignatureManifest: first.sigManifest.manifest.bytes,
    });
    expect(retried.signature).toBe(first.signature);
    expect(retried.referrer.manifest.digest).toBe(first.referrer.manifest.digest);
    expect(retried.sigManifest.added).toBe(0);
    // Signed afresh (nothing in the registry to reuse): another signature, and the key check still keeps it one layer.
    const fresh = await signImage({ key: signerA, image });
    expect(fresh.signature).not.toBe(first.signature);
    expect(
      signatureManifest(image.digest, [signatureLayer(fresh.payload, fresh.signature)], {
        existing: first.sigManifest.manifest.bytes,
        samePayloadKey: pubA,
      }).added,
    ).toBe(0);
    expect(retried.sigManifest.manifest.digest).toBe(first.sigManifest.manifest.digest);
    // Another key: a second layer, the first kept in front; diff_ids list both.
    const second = await signImage({
      key: signerB,
      image,
      existingSignatureManifest: JSON.parse(first.sigManifest.manifest.bytes.toString()),
    });
    expect(second.sigManifest.added).toBe(1);
    expect(second.sigManifest.layers.map((l) => l.annotations?.[COSIGN_SIGNATURE_ANNOTATION])).toEqual([
      first.signature,
      second.signature,
    ]);
    const config = JSON.parse((second.sigManifest.blobs[0]?.bytes ?? Buffer.alloc(0)).toString()) as {
      rootfs: { diff_ids: string[] };
      history: unknown[];
    };
    expect(config.rootfs.diff_ids).toHaveLength(2);
    expect(config.history).toHaveLength(2);
    // Without the key check, a different signature of the same payload is a different layer.
    const noKey = signatureManifest(image.digest, [signatureLayer(fresh.payload, fresh.signature)], {
      existing: first.sigManifest.manifest.bytes,
    });
    expect(noKey.added).toBe(1);
  });

  it('refuses a malformed existing .sig manifest naming the tag and the layer', () => {
    const tag = `sha256-${image.digest.slice(7)}.sig`;
    expect(() => signatureManifest(image.digest, [], { existing: Buffer.from('nope') })).toThrow(`${tag}: is not JSON`);
    expect(() =>
      signatureManifest(image.digest, [], {
        existing: { schemaVersion: 2, layers: [{ mediaType: 'x', digest: 'sha256:zz', size: 1 }] },
      }),
    ).toThrow(`${tag}: layers[0]: digest "sha256:zz" is not sha256:<hex>`);
  });
});
