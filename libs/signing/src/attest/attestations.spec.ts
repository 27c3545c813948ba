import { sign as cryptoSign, verify } from 'node:crypto';
import { digestHex, sha256Digest } from '../digest';
import { loadPublicKey, signingKeyFromPem } from '../keys/p256-key';
import { attestImage } from '../sign-image';
import { ctrf, cyclonedx, fakeImage, openvex, p256Pem, packagesJson, scanReport, spdx } from '../signing.fixture';
import { PREDICATE_TYPE_ANNOTATION, attestationLayer, attestationManifest } from './attestation-manifest';
import { buildAttestations, type AttestationInputs } from './build-attestations';
import { envelopeBytes, preAuthEncoding, signDsse, type DsseEnvelope } from './dsse';
import { statementBytes, statementFor } from './in-toto-statement';
import { parsePackagesJson, resolvedPackages } from './packages-json';
import { PredicateType } from './predicate-types';
import type { SlsaProvenance } from './slsa-provenance';
import { verifyAttestation } from './verify-attestation';

const keyA = p256Pem();
const keyB = p256Pem();
const signerA = signingKeyFromPem(keyA.privatePem, 'key A');
const pubA = loadPublicKey(keyA.publicPem);
const image = fakeImage('att');
const other = fakeImage('other');
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

function inputs(pkgCount = 3): AttestationInputs {
  const packages = parsePackagesJson(
    JSON.stringify(packagesJson(image.digest, pkgCount)),
    'run-1/packages.json',
    image.digest,
  );
  return {
    image,
    provenance: {
      builderId: 'https://patch-factory.example/builder',
      definition: {
        path: 'image/redis/debian-12/7.0.yaml',
        repository: 'https://git.example/catalog.git',
        ref: 'refs/heads/patch/redis',
        commit: COMMIT,
      },
      platforms: ['linux/amd64', 'linux/arm64'],
      sourceDateEpoch: 1_700_000_000,
      internalParameters: { inputKey: packages.inputKey },
      packages: resolvedPackages(packages),
      runId: 'run-1',
      startedOn: '2026-11-25T10:00:00Z',
      finishedOn: new Date('2026-11-25T10:05:00Z'),
    },
    cyclonedx: cyclonedx(5),
    spdx: spdx(5),
    openvex: openvex(2),
    testReport: ctrf(3),
    scanReport: scanReport(2),
  };
}

describe('DSSE', () => {
  it('pre-authentication encoding is the spec example byte for byte', () => {
    // https://github.com/secure-systems-lab/dsse/blob/master/protocol.md#test-vectors
    expect(preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
    expect(preAuthEncoding('t', Buffer.from('é')).toString('latin1')).toBe('DSSEv1 1 t 2 Ã©');
  });

  it('signs over the PAE, not the bare payload', async () => {
    const env = await signDsse(signerA, 'application/vnd.in-toto+json', Buffer.from('{}'));
    const sig = Buffer.from(env.signatures[0]?.sig ?? '', 'base64');
    expect(env.signatures[0]?.keyid).toBe(signerA.keyId);
    expect(
      verify(
        'sha256',
        preAuthEncoding('application/vnd.in-toto+json', Buffer.from('{}')),
        { key: keyA.publicPem, dsaEncoding: 'der' },
        sig,
      ),
    ).toBe(true);
    expect(verify('sha256', Buffer.from('{}'), { key: keyA.publicPem, dsaEncoding: 'der' }, sig)).toBe(false);
  });
});

describe('packages.json', () => {
  it('parses what the build writes and lists each distinct package once with its platforms', () => {
    const parsed = parsePackagesJson(JSON.stringify(packagesJson(image.digest, 10)), 'p.json');
    expect(parsed.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    const all = resolvedPackages(parsed);
    // 10 per platform; every 5th is arch:all with the same url and sha256 on both platforms.
    expect(all).toHaveLength(18);
    expect(
      all.filter((p) => p.architecture === 'all').every((p) => p.platforms.join() === 'linux/amd64,linux/arm64'),
    ).toBe(true);
  });

  it('refuses hostile files, naming the file and the entry', () => {
    const good = packagesJson(image.digest, 2);
    type Loose = { platforms: { platform: string; packages: Record<string, unknown>[] }[] };
    const bad = (mutate: (v: Loose) => void) => {
      const v = JSON.parse(JSON.stringify(good)) as Loose;
      mutate(v);
      return () => parsePackagesJson(JSON.stringify(v), 'run/packages.json');
    };
    const pkg = (v: Loose, p: number, i: number) => v.platforms[p]?.packages[i] as Record<string, unknown>;
    expect(() => parsePackagesJson('{', 'run/packages.json')).toThrow('run/packages.json: is not JSON');
    expect(() => parsePackagesJson(JSON.stringify(good), 'run/packages.json', other.digest)).toThrow(
      `records image ${image.digest}, not ${other.digest}`,
    );
    expect(bad((v) => (pkg(v, 0, 1)['sha256'] = 'F'.repeat(64)))).toThrow(
      'run/packages.json: platforms[0].packages[1]: pkg1-lib: sha256 "FFFF',
    );
    expect(bad((v) => (pkg(v, 1, 0)['url'] = 'file:///etc/passwd'))).toThrow(
      'platforms[1].packages[0]: pkg0-lib: url "file:///etc/passwd" is not an http(s) URL',
    );
    expect(bad((v) => (pkg(v, 0, 0)['name'] = '../x'))).toThrow('name "../x" is not a Debian package name');
    expect(bad((v) => ((v.platforms[0] as Loose['platforms'][number]).platform = 'linux'))).toThrow(
      'platform "linux" is not os/arch',
    );
    expect(bad((v) => v.platforms.push(v.platforms[0] as Loose['platforms'][number]))).toThrow(
      'platform linux/amd64 is listed twice',
    );
    expect(bad((v) => ((v as unknown as Record<string, unknown>)['platforms'] = {}))).toThrow('platforms is object');
    expect(() => parsePackagesJson('x'.repeat(33 * 1024 * 1024), 'big.json')).toThrow('big.json: is 34603008 bytes');
  });
});

describe('attestations', () => {
  it('builds six statements about the image; SLSA provenance carries the definition commit and every package with its sha256', () => {
    const input = inputs(20);
    const statements = buildAttestations(input);
    expect(statements.map((s) => s.predicateType)).toEqual([
      'https://slsa.dev/provenance/v1',
      'https://cyclonedx.org/bom',
      'https://spdx.dev/Document',
      'https://openvex.dev/ns',
      PredicateType.testReport,
      PredicateType.scanReport,
    ]);
    for (const s of statements) {
      expect(s._type).toBe('https://in-toto.io/Statement/v1');
      expect(s.subject).toEqual([{ name: image.name, digest: { sha256: digestHex(image.digest) } }]);
    }
    const slsa = statements[0]?.predicate as SlsaProvenance;
    expect(slsa.buildDefinition.buildType).toBe('https://patch-factory.dev/build/debian-rootfs/v1');
    expect(slsa.buildDefinition.externalParameters).toEqual({
      definition: {
        path: 'image/redis/debian-12/7.0.yaml',
        repository: 'https://git.example/catalog.git',
        ref: 'refs/heads/patch/redis',
        commit: COMMIT,
      },
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    expect(slsa.buildDefinition.internalParameters).toEqual({
      SOURCE_DATE_EPOCH: 1_700_000_000,
      inputKey: 'a'.repeat(64),
    });
    const [def, ...deps] = slsa.buildDefinition.resolvedDependencies;
    expect(def).toEqual({
      uri: 'git+https://git.example/catalog.git@refs/heads/patch/redis',
      name: 'image/redis/debian-12/7.0.yaml',
      digest: { gitCommit: COMMIT },
    });
    const pkgs = packagesJson(image.digest, 20).platforms.flatMap((p) => p.packages);
    for (const p of pkgs) {
      expect(deps).toContainEqual(
        expect.objectContaining({
          uri: p.url,
          name: `${p.name}_${p.version}_${p.architecture}`,
          digest: { sha256: p.sha256 },
        }),
      );
    }
    expect(deps).toHaveLength(new Set(pkgs.map((p) => p.url)).size);
    expect(slsa.runDetails).toEqual({
      builder: { id: 'https://patch-factory.example/builder' },
      metadata: {
        invocationId: 'run-1',
        startedOn: '2026-11-25T10:00:00.000Z',
        finishedOn: '2026-11-25T10:05:00.000Z',
      },
    });
  });

  it('refuses documents that are not what their predicate type says and a provenance without a full commit', () => {
    expect(() => buildAttestations({ ...inputs(), cyclonedx: { spdxVersion: 'SPDX-2.3' } })).toThrow(
      'attestation CycloneDX: the document is an object that is not a CycloneDX BOM',
    );
    expect(() => buildAttestations({ ...inputs(), openvex: [] })).toThrow(
      'attestation OpenVEX: the document is an array of 0',
    );
    const i = inputs();
    expect(() =>
      buildAttestations({
        ...i,
        provenance: { ...i.provenance, definition: { ...i.provenance.definition, commit: 'main' } },
      }),
    ).toThrow('definition commit "main" is not a full git commit id');
  });

  it('signs statements into .att layers (DSSE envelopes annotated with predicateType) under sha256-<hex>.att; each verifies', async () => {
    const statements = buildAttestations(inputs());
    const { attestations, attManifest } = await attestImage({ key: signerA, image, statements });
    expect(attManifest.tag).toBe(`sha256-${digestHex(image.digest)}.att`);
    expect(attManifest.layers).toHaveLength(6);
    for (const [i, layer] of attManifest.layers.entries()) {
      const a = attestations[i];
      expect(layer.mediaType).toBe('application/vnd.dsse.envelope.v1+json');
      expect(layer.annotations?.[PREDICATE_TYPE_ANNOTATION]).toBe(a?.predicateType);
      const blob = attManifest.blobs.find((b) => b.digest === layer.digest);
      expect(blob?.bytes).toEqual(envelopeBytes(a?.envelope as DsseEnvelope));
      const r = verifyAttestation(blob?.bytes, pubA, image.digest, a?.predicateType);
      expect(r.ok && r.value.predicateType).toBe(a?.predicateType);
    }
  });

  it('fails verification for a tampered statement, a wrong key, a statement about another digest, and a bad envelope', async () => {
    const [statement] = buildAttestations(inputs());
    const env = await signDsse(signerA, 'application/vnd.in-toto+json', statementBytes(statement as never));
    const tampered = JSON.parse(Buffer.from(env.payload, 'base64').toString()) as {
      predicate: { runDetails: { builder: { id: string } } };
    };
    tampered.predicate.runDetails.builder.id = 'https://evil.example';
    expect(
      verifyAttestation(
        { ...env, payload: Buffer.from(JSON.stringify(tampered)).toString('base64') },
        pubA,
        image.digest,
      ),
    ).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verifyAttestation(env, loadPublicKey(keyB.publicPem), image.digest)).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    const forOther = await signDsse(
      signerA,
      'application/vnd.in-toto+json',
      statementBytes(statementFor(other, PredicateType.scanReport, {})),
    );
    expect(verifyAttestation(forOther, pubA, image.digest)).toEqual({
      ok: false,
      reason: 'digest-mismatch',
      message: `the statement is about ${other.digest}, not ${image.digest}`,
    });
    expect(verifyAttestation(Buffer.from('{'), pubA, image.digest)).toMatchObject({ ok: false, reason: 'malformed' });
    // Signed, but not a statement.
    const notStatement = await signDsse(signerA, 'application/vnd.in-toto+json', Buffer.from('{"_type":"x"}'));
    expect(verifyAttestation(notStatement, pubA, image.digest)).toMatchObject({ ok: false, reason: 'malformed' });
    // A signature over the bare payload (not the PAE) is refused.
    const payload = Buffer.from(env.payload, 'base64');
    const bare = cryptoSign('sha256', payload, { key: keyA.privatePem, dsaEncoding: 'der' }).toString('base64');
    expect(verifyAttestation({ ...env, signatures: [{ keyid: '', sig: bare }] }, pubA, image.digest)).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('merges .att idempotently: the same envelopes are not added twice; a new one is appended after the existing ones', async () => {
    const statements = buildAttestations(inputs());
    const first = await attestImage({ key: signerA, image, statements: statements.slice(0, 2) });
    const layers = first.attestations.map((a) => attestationLayer(a.envelope, a.predicateType));
    const again = attestationManifest(image.digest, layers, first.attManifest.manifest.bytes);
    expect(again.added).toBe(0);
    expect(again.manifest.digest).toBe(first.attManifest.manifest.digest);
    expect(again.blobs.map((b) => b.digest)).toEqual([first.attManifest.blobs[0]?.digest]); // config only
    const more = await attestImage({
      key: signerA,
      image,
      statements: statements.slice(2, 3),
      existingAttestationManifest: first.attManifest.manifest.bytes,
    });
    expect(more.attManifest.added).toBe(1);
    expect(more.attManifest.layers.map((l) => l.digest)).toEqual([
      ...first.attManifest.layers.map((l) => l.digest),
      sha256Digest(envelopeBytes(more.attestations[0]?.envelope as DsseEnvelope)),
    ]);
  });

  it('refuses to attest a statement about another image', async () => {
    await expect(
      attestImage({ key: signerA, image, statements: [statementFor(other, PredicateType.scanReport, {})] }),
    ).rejects.toThrow(`the ${PredicateType.scanReport} statement is not about ${image.digest}`);
  });
});
