import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { cpus } from 'node:os';
import {
  attestImage,
  buildAttestations,
  parsePackagesJson,
  preAuthEncoding,
  resolvedPackages,
  sha256Digest,
  signImage,
  signingKeyFromKeyObject,
  simpleSigningPayload,
  statementBytes,
  IN_TOTO_PAYLOAD_TYPE,
  type AttestationInputs,
} from '@patch-factory/signing';
import { table } from './bench-util';

/**
 * `npm run bench:sign`: signs and attests one image the way the sign stage does — the cosign
 * simple-signing signature and its message-signature bundle, then the six attestations (SLSA
 * provenance over 500 packages × 2 platforms, a 500-component CycloneDX and SPDX, OpenVEX, CTRF,
 * scan report), each a DSSE envelope, a Sigstore bundle v0.3 and an OCI referrer, plus the
 * `.sig`/`.att` manifests — against the floor: raw `crypto.sign` (ECDSA P-256, SHA-256) over the
 * same seven byte strings (the payload and the statements' PAEs). BENCH_SIGN_ROUNDS (default 50):
 * the median is reported.
 */
const ROUNDS = Math.max(1, Number(process.env['BENCH_SIGN_ROUNDS'] ?? 50));
const WARMUP = 5;
const PACKAGES = 500;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function fixture(): AttestationInputs {
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }),
  );
  const digest = sha256Digest(index);
  const platform = (arch: string) => ({
    platform: `linux/${arch}`,
    packages: Array.from({ length: PACKAGES }, (_, i) => {
      const a = i % 5 === 0 ? 'all' : arch;
      const name = `lib${i}-pkg`;
      return {
        name,
        version: `2.${i}.1-1+deb12u1`,
        architecture: a,
        sha256: sha256Digest(`${name}${a}`).slice(7),
        size: 40_000 + i,
        url: `https://deb.debian.org/debian/pool/main/l/${name}/${name}_2.${i}.1-1+deb12u1_${a}.deb`,
        neededBy: `redis-server -> ${name}`,
      };
    }),
    dropped: [],
    layers: [],
  });
  const packages = parsePackagesJson(
    JSON.stringify({ digest, inputKey: 'b'.repeat(64), platforms: [platform('amd64'), platform('arm64')] }),
    'bench packages.json',
  );
  const purl = (i: number) => `pkg:deb/debian/lib${i}-pkg@2.${i}.1-1%2Bdeb12u1?arch=amd64&distro=debian-12`;
  return {
    image: { name: 'registry.example/patch-factory/redis', digest },
    provenance: {
      builderId: 'https://patch-factory.example/builder',
      definition: {
        path: 'image/redis/debian-12/7.0.yaml',
        repository: 'https://github.com/example/catalog.git',
        ref: 'refs/heads/main',
        commit: 'c'.repeat(40),
      },
      platforms: ['linux/amd64', 'linux/arm64'],
      sourceDateEpoch: 1_700_000_000,
      packages: resolvedPackages(packages),
      runId: 'run-bench',
      startedOn: '2026-11-25T10:00:00Z',
      finishedOn: '2026-11-25T10:03:00Z',
    },
    cyclonedx: {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      version: 1,
      components: Array.from({ length: PACKAGES }, (_, i) => ({
        type: 'library',
        'bom-ref': purl(i),
        name: `lib${i}-pkg`,
        version: `2.${i}.1-1+deb12u1`,
        purl: purl(i),
        hashes: [{ alg: 'SHA-256', content: sha256Digest(`c${i}`).slice(7) }],
        licenses: [{ license: { id: 'GPL-2.0-or-later' } }],
        supplier: { name: 'Debian' },
      })),
    },
    spdx: {
      spdxVersion: 'SPDX-2.3',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'redis',
      packages: Array.from({ length: PACKAGES }, (_, i) => ({
        SPDXID: `SPDXRef-Package-${i}`,
        name: `lib${i}-pkg`,
        versionInfo: `2.${i}.1-1+deb12u1`,
        downloadLocation: 'NOASSERTION',
        checksums: [{ algorithm: 'SHA256', checksumValue: sha256Digest(`c${i}`).slice(7) }],
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl(i) }],
      })),
    },
    openvex: {
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://patch-factory.dev/vex/redis/1',
      author: 'patch-factory',
      timestamp: '2026-11-25T10:00:00Z',
      version: 1,
      statements: Array.from({ length: 50 }, (_, i) => ({
        vulnerability: { name: `CVE-2026-${10_000 + i}` },
        products: [{ '@id': 'pkg:oci/redis' }],
        status: 'not_affected',
        justification: 'vulnerable_code_not_in_execute_path',
      })),
    },
    testReport: {
      results: {
        tool: { name: 'patch-factory-imagetest' },
        summary: { tests: 100, passed: 100, failed: 0 },
        tests: Array.from({ length: 100 }, (_, i) => ({ name: `test ${i}`, status: 'passed', duration: 12 + i })),
      },
    },
    scanReport: {
      scanner: 'patch-factory',
      matches: Array.from({ length: 200 }, (_, i) => ({
        id: `CVE-2026-${i}`,
        package: `lib${i}-pkg`,
        installed: `2.${i}.1-1+deb12u1`,
        severity: 'LOW',
      })),
    },
  };
}

async function main(): Promise<void> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const key = signingKeyFromKeyObject(privateKey, 'bench key');
  const inputs = fixture();
  const image = {
    name: inputs.image.name,
    digest: inputs.image.digest,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    size: 300,
  };

  // The bytes the floor signs: the same payload and statements (PAE) our path signs.
  const statements = buildAttestations(inputs);
  const toSign = [
    simpleSigningPayload(image.name, image.digest),
    ...statements.map((s) => preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statementBytes(s))),
  ];
  const signedBytes = toSign.reduce((n, b) => n + b.length, 0);

  const ours = async () => {
    const st = buildAttestations(inputs);
    const sig = await signImage({ key, image });
    const att = await attestImage({ key, image, statements: st });
    return sig.referrer.manifest.size + att.attManifest.manifest.size;
  };
  const statementsOnly = () => buildAttestations(inputs).reduce((n, st) => n + statementBytes(st).length, 0);
  const raw = () => {
    let n = 0;
    for (const b of toSign) n += cryptoSign('sha256', b, { key: privateKey, dsaEncoding: 'der' }).length;
    return n;
  };

  for (let i = 0; i < WARMUP; i++) {
    await ours();
    raw();
  }
  const oursMs: number[] = [];
  const rawMs: number[] = [];
  const statementMs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t0 = performance.now();
    await ours();
    oursMs.push(performance.now() - t0);
    t0 = performance.now();
    raw();
    rawMs.push(performance.now() - t0);
    t0 = performance.now();
    statementsOnly();
    statementMs.push(performance.now() - t0);
  }
  const o = median(oursMs);
  const r = median(rawMs);
  const sm = median(statementMs);
  console.log(
    `bench:sign — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${ROUNDS} round(s) after ${WARMUP} warm-up, median reported`,
  );
  console.log(
    `one image: ${toSign.length} signatures over ${(signedBytes / 1024).toFixed(0)} KiB (statements: ${statements.map((s) => `${s.predicateType.split('/').slice(-2).join('/')} ${(statementBytes(s).length / 1024).toFixed(0)} KiB`).join(', ')})`,
  );
  console.log(
    table(
      ['sign + attest one image', 'signatures', 'median ms', 'ratio'],
      [
        [
          'libs/signing: simple signing + 6 attestations, 7 bundles, referrers, .sig/.att',
          String(toSign.length),
          o.toFixed(2),
          (o / r).toFixed(1),
        ],
        ['  of which: building the 6 statements and their JSON', '0', sm.toFixed(2), (sm / r).toFixed(1)],
        ['floor: raw crypto.sign (P-256, SHA-256) over the same bytes', String(toSign.length), r.toFixed(2), '1.0'],
      ],
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
