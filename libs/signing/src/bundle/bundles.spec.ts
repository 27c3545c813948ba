import { bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier, type TrustMaterial } from '@sigstore/verify';
import { createPublicKey } from 'node:crypto';
import { base64Placeholder, stringifyWithBase64 } from '../base64-json';
import { buildAttestations } from '../attest/build-attestations';
import { statementFor } from '../attest/in-toto-statement';
import { PredicateType } from '../attest/predicate-types';
import { verifyAttestation } from '../attest/verify-attestation';
import { simpleSigningPayload } from '../cosign/simple-signing';
import { verifySimpleSigning } from '../cosign/verify-simple-signing';
import { sha256Digest } from '../digest';
import { loadPublicKey, signingKeyFromPem } from '../keys/p256-key';
import { attestImage, signImage } from '../sign-image';
import { ctrf, cyclonedx, fakeImage, openvex, p256Pem, scanReport, spdx } from '../signing.fixture';
import { bundleReferrer } from './referrer-manifest';
import { attestationBundle, messageSignatureBundle } from './sigstore-bundles';
import { verifyBundle } from './verify-bundle';

const keyA = p256Pem();
const keyB = p256Pem();
const signerA = signingKeyFromPem(keyA.privatePem, 'key A');
const signerB = signingKeyFromPem(keyB.privatePem, 'key B');
const pubA = loadPublicKey(keyA.publicPem);
const image = fakeImage('bundle');
const other = fakeImage('other');

/** Trust material straight from @sigstore/verify: one public key under its hint, nothing else. */
function trust(publicPem: string, hint: string): TrustMaterial {
  const root: Parameters<typeof toTrustMaterial>[0] = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
  return toTrustMaterial(root, (h) => {
    if (h !== hint) throw new Error(`unknown key ${h}`);
    return { publicKey: createPublicKey(publicPem), validFor: () => true };
  });
}

/** Independent check: @sigstore/verify with zero tlog/ctlog/timestamp thresholds. Throws when it does not verify. */
function sigstoreVerify(bundleBytes: Buffer, publicPem: string, hint: string, artifact?: Buffer): void {
  const bundle: Bundle = bundleFromJSON(JSON.parse(bundleBytes.toString()));
  new Verifier(trust(publicPem, hint), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(
    toSignedEntity(bundle, artifact),
  );
}

const statements = buildAttestations({
  image,
  provenance: {
    builderId: 'https://patch-factory.example/builder',
    definition: { path: 'image/x.yaml', repository: 'https://git.example/c.git', commit: 'f'.repeat(40) },
    platforms: ['linux/amd64'],
    packages: [],
    runId: 'run-2',
    startedOn: '2026-11-25T10:00:00Z',
    finishedOn: '2026-11-25T10:01:00Z',
  },
  cyclonedx: cyclonedx(3),
  spdx: spdx(3),
  openvex: openvex(1),
  testReport: ctrf(1),
  scanReport: scanReport(1),
});

describe('Sigstore bundles v0.3', () => {
  it('a DSSE bundle per statement and a message-signature bundle over the payload verify with @sigstore/verify and the public key as trust material', async () => {
    const { attestations } = await attestImage({ key: signerA, image, statements });
    expect(attestations).toHaveLength(6);
    for (const a of attestations) {
      const json = JSON.parse(a.bundle.bytes.toString()) as {
        mediaType: string;
        verificationMaterial: { publicKey: { hint: string } };
        dsseEnvelope: { payloadType: string };
      };
      expect(json.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
      expect(json.verificationMaterial.publicKey.hint).toBe(signerA.keyId);
      // Key only: no certificate, no tlog entry, no timestamp.
      expect(json.verificationMaterial).toEqual({ publicKey: { hint: signerA.keyId }, timestampVerificationData: {} });
      expect(json.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
      // The bytes are exactly what the library's serializer writes.
      expect(a.bundle.bytes.toString()).toBe(JSON.stringify(bundleToJSON(a.bundle.bundle)));
      expect(a.envelopeBytes.toString()).toBe(JSON.stringify(a.envelope));
      expect(() => sigstoreVerify(a.bundle.bytes, keyA.publicPem, signerA.keyId)).not.toThrow();
      expect(verifyBundle(json, [pubA])).toMatchObject({ ok: true });
      // The .att envelope is the bundle's: one signature serves both.
      expect(verifyAttestation(a.envelope, pubA, image.digest)).toMatchObject({ ok: true });
    }
    const s = await signImage({ key: signerA, image });
    const json = JSON.parse(s.bundle.bytes.toString()) as {
      mediaType: string;
      messageSignature: { messageDigest: { algorithm: string; digest: string }; signature: string };
    };
    expect(json.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(json.messageSignature.messageDigest).toEqual({
      algorithm: 'SHA2_256',
      digest: Buffer.from(sha256Digest(s.payload).slice(7), 'hex').toString('base64'),
    });
    expect(json.messageSignature.signature).toBe(s.signature);
    expect(() => sigstoreVerify(s.bundle.bytes, keyA.publicPem, signerA.keyId, s.payload)).not.toThrow();
    expect(verifyBundle(json, [pubA], s.payload)).toMatchObject({ ok: true });
  });

  it('@sigstore/verify and our verifiers reject a tampered payload, a wrong key, and a signature made for another digest', async () => {
    // Message signature.
    const s = await signImage({ key: signerA, image });
    const tampered = Buffer.from(s.payload.toString().replace(image.digest, other.digest));
    expect(() => sigstoreVerify(s.bundle.bytes, keyA.publicPem, signerA.keyId, tampered)).toThrow(
      'signature verification failed',
    );
    expect(() => sigstoreVerify(s.bundle.bytes, keyB.publicPem, signerA.keyId, s.payload)).toThrow(
      'signature verification failed',
    );
    expect(verifyBundle(JSON.parse(s.bundle.bytes.toString()), [pubA], tampered)).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    expect(
      verifyBundle(JSON.parse(s.bundle.bytes.toString()), [loadPublicKey(keyB.publicPem)], s.payload),
    ).toMatchObject({ ok: false, reason: 'bad-signature' });
    // Signed for another digest: the bundle is valid for its own payload, the payload names the other image.
    const forOther = await messageSignatureBundle(signerA, simpleSigningPayload(image.name, other.digest));
    const otherPayload = simpleSigningPayload(image.name, other.digest);
    expect(() =>
      sigstoreVerify(forOther.bytes, keyA.publicPem, signerA.keyId, simpleSigningPayload(image.name, image.digest)),
    ).toThrow('signature verification failed');
    expect(verifyBundle(JSON.parse(forOther.bytes.toString()), [pubA], otherPayload)).toMatchObject({ ok: true });
    expect(
      verifySimpleSigning({
        payload: otherPayload,
        signature: forOther.signature.toString('base64'),
        publicKey: pubA,
        imageDigest: image.digest,
      }),
    ).toMatchObject({ ok: false, reason: 'digest-mismatch' });

    // DSSE: tamper with the statement inside the bundle.
    const att = await attestationBundle(signerA, statements[0] as never);
    const json = JSON.parse(att.bytes.toString()) as { dsseEnvelope: { payload: string } };
    const statement = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString()) as {
      subject: { digest: { sha256: string } }[];
    };
    (statement.subject[0] as { digest: { sha256: string } }).digest.sha256 = other.digest.slice(7);
    json.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const tamperedBundle = Buffer.from(JSON.stringify(json));
    expect(() => sigstoreVerify(tamperedBundle, keyA.publicPem, signerA.keyId)).toThrow(
      'signature verification failed',
    );
    expect(verifyBundle(json, [pubA])).toMatchObject({ ok: false, reason: 'bad-signature' });
    // Wrong key.
    expect(() => sigstoreVerify(att.bytes, keyB.publicPem, signerA.keyId)).toThrow('signature verification failed');
    const byB = await attestationBundle(signerB, statements[0] as never);
    expect(verifyBundle(JSON.parse(byB.bytes.toString()), [pubA])).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    // Valid bundle, statement about another digest: the signature verifies, our check refuses it.
    const aboutOther = await attestationBundle(signerA, statementFor(other, PredicateType.scanReport, {}));
    expect(() => sigstoreVerify(aboutOther.bytes, keyA.publicPem, signerA.keyId)).not.toThrow();
    expect(verifyAttestation(aboutOther.envelope, pubA, image.digest)).toMatchObject({
      ok: false,
      reason: 'digest-mismatch',
    });
  });

  it('stringifyWithBase64 writes what JSON.stringify writes, and wants its placeholder exactly once', () => {
    const b64 = Buffer.from('any bytes \u0000 "quoted"').toString('base64');
    expect(stringifyWithBase64({ a: 'é"', p: base64Placeholder, z: [1] }, b64)).toBe(
      JSON.stringify({ a: 'é"', p: b64, z: [1] }),
    );
    expect(() => stringifyWithBase64({ a: base64Placeholder, b: base64Placeholder }, b64)).toThrow('exactly once');
    expect(() => stringifyWithBase64({ a: 1 }, b64)).toThrow('exactly once');
  });

  it('the OCI 1.1 referrer manifest: artifactType, empty config, one bundle layer, subject = the image; created only when given', async () => {
    const s = await signImage({ key: signerA, image });
    const { attestations } = await attestImage({
      key: signerA,
      image,
      statements: statements.slice(0, 1),
      createdAt: '2026-11-25T10:00:00.123Z',
    });
    const m = JSON.parse(s.referrer.manifest.bytes.toString()) as Record<string, unknown>;
    expect(m).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
      },
      layers: [
        {
          mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
          digest: sha256Digest(s.bundle.bytes),
          size: s.bundle.bytes.length,
        },
      ],
      subject: { mediaType: image.mediaType, digest: image.digest, size: image.size },
      annotations: { 'dev.sigstore.bundle.content': 'message-signature' },
    });
    expect(s.referrer.blobs.map((b) => b.bytes.toString())).toEqual(['{}', s.bundle.bytes.toString()]);
    const a = JSON.parse(attestations[0]?.referrer.manifest.bytes.toString() ?? '{}') as {
      annotations: Record<string, string>;
    };
    expect(a.annotations).toEqual({
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1',
      'org.opencontainers.image.created': '2026-11-25T10:00:00Z',
    });
    // Deterministic: the same bundle bytes give the same referrer digest.
    expect(
      bundleReferrer({ bundleBytes: s.bundle.bytes, subject: image, content: 'message-signature' }).manifest.digest,
    ).toBe(s.referrer.manifest.digest);
  });
});
