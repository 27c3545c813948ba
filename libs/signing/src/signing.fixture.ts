// Test helpers (not a suite): real keys in a temp dir, a fake image, statements with realistic sizes.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Digest } from './digest';
import type { PackagesJson } from './attest/packages-json';
import type { ImageDescriptor } from './bundle/referrer-manifest';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pf-signing-'));
}

/** Writes `pem` to dir/name with `mode` and returns the path. */
export function writeKey(dir: string, name: string, pem: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, pem, { mode });
  chmodSync(path, mode);
  return path;
}

/** A fresh P-256 key pair as PEM: PKCS#8 private, SPKI public. */
export function p256Pem(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** `openssl` writes a key the way an operator would. */
export function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fake image index descriptor. */
export function fakeImage(seed = 'image', name = 'registry.example:5000/patch-factory/redis'): ImageDescriptor {
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [], seed }),
  );
  return {
    name,
    digest: sha256Digest(bytes),
    mediaType: 'application/vnd.oci.image.index.v1+json',
    size: bytes.length,
  };
}

/** packages.json like the build stage writes, with `count` packages per platform (arch:all ones shared). */
export function packagesJson(digest: string, count: number): PackagesJson {
  const platform = (arch: string) => ({
    platform: `linux/${arch}`,
    packages: Array.from({ length: count }, (_, i) => {
      const all = i % 5 === 0;
      const a = all ? 'all' : arch;
      const name = `pkg${i}-lib`;
      return {
        name,
        version: `1.${i}.0-1+deb12u1`,
        architecture: a,
        sha256: sha256Digest(`${name}_${a}`).slice(7),
        size: 1000 + i,
        url: `https://deb.debian.org/debian/pool/main/p/${name}/${name}_1.${i}.0-1+deb12u1_${a}.deb`,
        neededBy: `redis-server -> ${name}`,
      };
    }),
    buildRoots: [],
    dropped: [],
    layers: [],
  });
  return { digest, inputKey: 'a'.repeat(64), platforms: [platform('amd64'), platform('arm64')] } as PackagesJson;
}

/** A CycloneDX-shaped document with `n` components (SBOM-sized predicates). */
export function cyclonedx(n: number): Record<string, unknown> {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    components: Array.from({ length: n }, (_, i) => ({
      type: 'library',
      'bom-ref': `pkg:deb/debian/pkg${i}@1.${i}.0?arch=amd64`,
      name: `pkg${i}`,
      version: `1.${i}.0`,
      purl: `pkg:deb/debian/pkg${i}@1.${i}.0?arch=amd64&distro=debian-12`,
      hashes: [{ alg: 'SHA-256', content: sha256Digest(`c${i}`).slice(7) }],
      licenses: [{ license: { id: 'MIT' } }],
    })),
  };
}

export function spdx(n: number): Record<string, unknown> {
  return {
    spdxVersion: 'SPDX-2.3',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'image',
    packages: Array.from({ length: n }, (_, i) => ({
      SPDXID: `SPDXRef-Package-${i}`,
      name: `pkg${i}`,
      versionInfo: `1.${i}.0`,
      downloadLocation: 'NOASSERTION',
    })),
  };
}

export function openvex(n: number): Record<string, unknown> {
  return {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'https://patch-factory.dev/vex/1',
    author: 'patch-factory',
    timestamp: '2026-01-01T00:00:00Z',
    version: 1,
    statements: Array.from({ length: n }, (_, i) => ({
      vulnerability: { name: `CVE-2026-${1000 + i}` },
      products: [{ '@id': 'pkg:oci/redis' }],
      status: 'not_affected',
      justification: 'vulnerable_code_not_present',
    })),
  };
}

export function ctrf(n: number): Record<string, unknown> {
  return {
    results: {
      tool: { name: 'patch-factory-imagetest' },
      summary: { tests: n, passed: n, failed: 0 },
      tests: Array.from({ length: n }, (_, i) => ({ name: `test ${i}`, status: 'passed', duration: i })),
    },
  };
}

export function scanReport(n: number): Record<string, unknown> {
  return {
    scanner: 'patch-factory',
    matches: Array.from({ length: n }, (_, i) => ({ id: `CVE-2026-${i}`, package: `pkg${i}`, severity: 'LOW' })),
  };
}
