import { attestImage, signImage } from '../sign-image';
import { fakeImage, p256Pem } from '../signing.fixture';
import { DSSE_SIGNATURE_ANNOTATION, PAE_SHA256_ANNOTATION } from '../attest/attestation-manifest';
import { statementFor } from '../attest/in-toto-statement';
import { PredicateType } from '../attest/predicate-types';
import { buildCosignManifest, parseCosignManifest } from '../cosign/cosign-manifest';
import { COSIGN_SIGNATURE_ANNOTATION } from '../cosign/signature-manifest';
import { signingKeyFromPem } from './p256-key';
import type { SigningKey } from './signing-key';

const keyA = signingKeyFromPem(p256Pem().privatePem, 'key A');
const keyB = signingKeyFromPem(p256Pem().privatePem, 'key B');
const image = fakeImage('resign');
const sbom = statementFor(image, PredicateType.cyclonedx, {
  bomFormat: 'CycloneDX',
  specVersion: '1.6',
  components: [{ name: 'libc6', version: '2.36-9' }],
});
const provenanceOf = (runId: string) =>
  statementFor(image, PredicateType.slsaProvenance, {
    buildDefinition: { buildType: 'x', externalParameters: {} },
    runDetails: { builder: { id: 'b' }, metadata: { invocationId: runId } },
  });

/** A key that counts its signatures. */
function counting(key: SigningKey): SigningKey & { made: number } {
  const k = {
    keyId: key.keyId,
    publicKeyPem: key.publicKeyPem,
    made: 0,
    sign: async (data: Buffer) => (k.made++, key.sign(data)),
  };
  return k;
}

describe('an unchanged re-sign of the same digest adds nothing (signatures reused from the registry’s .sig/.att layers)', () => {
  it('reuses the signature of the same payload and of identical statements: same layers, same bundles, same referrers; a new provenance is the only new thing', async () => {
    const first = await signImage({ key: keyA, image });
    const firstAtt = await attestImage({ key: keyA, image, statements: [sbom, provenanceOf('run-1')] });

    const key = counting(keyA);
    const again = await signImage({ key, image, existingSignatureManifest: first.sigManifest.manifest.bytes });
    expect(again.sigManifest.added).toBe(0);
    expect(again.sigManifest.manifest.digest).toBe(first.sigManifest.manifest.digest);
    expect(again.referrer.manifest.digest).toBe(first.referrer.manifest.digest);
    const againAtt = await attestImage({
      key,
      image,
      statements: [sbom, provenanceOf('run-2')],
      existingAttestationManifest: firstAtt.attManifest.manifest.bytes,
    });
    // One signature made: the new run's provenance. The SBOM's envelope, layer, bundle and referrer are the same bytes as before.
    expect(key.made).toBe(1);
    expect(againAtt.attestations[0]?.referrer.manifest.digest).toBe(firstAtt.attestations[0]?.referrer.manifest.digest);
    expect(
      againAtt.attestations[0]?.envelopeBytes.equals(firstAtt.attestations[0]?.envelopeBytes ?? Buffer.alloc(0)),
    ).toBe(true);
    expect(againAtt.attestations[1]?.referrer.manifest.digest).not.toBe(
      firstAtt.attestations[1]?.referrer.manifest.digest,
    );
    expect(againAtt.attManifest.added).toBe(1);
    // The same run signed again: nothing at all is new.
    const third = await attestImage({
      key,
      image,
      statements: [sbom, provenanceOf('run-2')],
      existingAttestationManifest: againAtt.attManifest.manifest.bytes,
    });
    expect(key.made).toBe(1);
    expect(third.attManifest.added).toBe(0);
    expect(third.attManifest.manifest.digest).toBe(againAtt.attManifest.manifest.digest);
  });

  it('never reuses a signature of another key, or an annotation whose signature does not verify over the same bytes', async () => {
    const byB = await attestImage({ key: keyB, image, statements: [sbom] });
    const key = counting(keyA);
    const forA = await attestImage({
      key,
      image,
      statements: [sbom],
      existingAttestationManifest: byB.attManifest.manifest.bytes,
    });
    expect(key.made).toBe(1);
    expect(forA.attManifest.added).toBe(1);
    // A layer whose annotations claim the SBOM's PAE with a signature of something else.
    const other = await attestImage({ key: keyA, image, statements: [provenanceOf('run-x')] });
    const [sbomLayer] = parseCosignManifest(forA.attManifest.manifest.bytes, 'att').slice(-1);
    const [otherLayer] = parseCosignManifest(other.attManifest.manifest.bytes, 'att');
    if (!sbomLayer || !otherLayer) throw new Error('layers missing');
    const forged = buildCosignManifest(
      'forged.att',
      [
        {
          ...sbomLayer,
          annotations: {
            ...sbomLayer.annotations,
            [DSSE_SIGNATURE_ANNOTATION]: otherLayer.annotations?.[DSSE_SIGNATURE_ANNOTATION] ?? '',
          },
        },
      ],
      [],
    );
    expect(forged.layers[0]?.annotations?.[PAE_SHA256_ANNOTATION]).toBe(sbomLayer.annotations?.[PAE_SHA256_ANNOTATION]);
    const resigned = await attestImage({
      key,
      image,
      statements: [sbom],
      existingAttestationManifest: forged.manifest.bytes,
    });
    expect(key.made).toBe(2);
    expect(resigned.attestations[0]?.envelope.signatures[0]?.sig).not.toBe(
      otherLayer.annotations?.[DSSE_SIGNATURE_ANNOTATION],
    );
    // Same for a .sig layer of another key: a new signature.
    const sigB = await signImage({ key: keyB, image });
    const sigA = await signImage({ key, image, existingSignatureManifest: sigB.sigManifest.manifest.bytes });
    expect(key.made).toBe(3);
    expect(sigA.sigManifest.added).toBe(1);
    expect(sigA.sigManifest.layers.map((l) => l.annotations?.[COSIGN_SIGNATURE_ANNOTATION])).toEqual([
      sigB.signature,
      sigA.signature,
    ]);
  });
});
