// The evidence bench:promote signs for each run of one image, like the sign stage: SLSA
// provenance (this run's id and build times) and a CTRF test report (this run's start and stop
// times), which differ from run to run as they should, and CycloneDX and SPDX SBOMs, OpenVEX and a
// scan report, which are the same for an unchanged rebuild.
import {
  buildAttestations,
  parsePackagesJson,
  resolvedPackages,
  sha256Digest,
  type ImageSubject,
  type InTotoStatement,
} from '@patch-factory/signing';

const PACKAGES = 200;

/** The six statements of run `runId` about `image`. */
export function runEvidence(image: ImageSubject, runId: string, startedOn: Date): InTotoStatement<object>[] {
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
        url: `https://archive.example/debian/pool/main/l/${name}/${name}_2.${i}.1-1+deb12u1_${a}.deb`,
        neededBy: `base-files -> ${name}`,
      };
    }),
    dropped: [],
    layers: [],
  });
  const packages = parsePackagesJson(
    JSON.stringify({ digest: image.digest, inputKey: 'b'.repeat(64), platforms: [platform('amd64')] }),
    'bench packages.json',
    image.digest,
  );
  const purl = (i: number) => `pkg:deb/debian/lib${i}-pkg@2.${i}.1-1%2Bdeb12u1?arch=amd64&distro=debian-12`;
  return buildAttestations({
    image,
    provenance: {
      builderId: 'https://patch-factory.example/builder',
      definition: {
        path: 'image/static/debian-12/static.yaml',
        repository: 'https://git.example/catalog.git',
        ref: 'refs/heads/main',
        commit: 'c'.repeat(40),
      },
      platforms: ['linux/amd64'],
      sourceDateEpoch: 1_700_000_000,
      packages: resolvedPackages(packages),
      runId,
      startedOn,
      finishedOn: new Date(startedOn.getTime() + 60_000),
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
      })),
    },
    spdx: {
      spdxVersion: 'SPDX-2.3',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'static',
      packages: Array.from({ length: PACKAGES }, (_, i) => ({
        SPDXID: `SPDXRef-Package-${i}`,
        name: `lib${i}-pkg`,
        versionInfo: `2.${i}.1-1+deb12u1`,
        downloadLocation: 'NOASSERTION',
      })),
    },
    openvex: {
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://patch-factory.dev/vex/static/1',
      author: 'patch-factory',
      timestamp: '2026-11-25T10:00:00Z',
      version: 1,
      statements: [],
    },
    testReport: {
      results: {
        tool: { name: 'patch-factory-imagetest' },
        summary: {
          tests: 20,
          passed: 20,
          failed: 0,
          pending: 0,
          skipped: 0,
          other: 0,
          start: startedOn.getTime() + 90_000,
          stop: startedOn.getTime() + 95_000,
        },
        tests: Array.from({ length: 20 }, (_, i) => ({ name: `test ${i}`, status: 'passed', duration: 12 + i })),
      },
      timestamp: new Date(startedOn.getTime() + 95_000).toISOString(),
    },
    scanReport: { scanner: 'patch-factory', matches: [] },
  });
}
