import type { Finding } from '../match';
import { applyVex, type VexImage } from './apply-vex';
import { parseOpenVex } from './openvex-parse';

/** A VEX statement applies only to what it names: purl type, namespace, qualifiers and the full image name (issue 15). */

const DIGEST = `sha256:${'ef'.repeat(32)}`;
const finding: Finding = {
  id: 'CVE-2024-0001',
  aliases: [],
  package: 'libssl3',
  installed: '3.0.11-1~deb12u2',
  arch: 'amd64',
  sourcePackage: 'openssl',
  sourceVersion: '3.0.11-1~deb12u2',
  fixable: false,
  severity: 'high',
  knownExploited: false,
  source: 'osv',
  sources: ['osv'],
};

const about = (product: unknown) =>
  parseOpenVex(
    {
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://vex.example.org/x',
      author: 'test',
      timestamp: '2026-01-01T00:00:00Z',
      version: 1,
      statements: [
        {
          vulnerability: { name: 'CVE-2024-0001' },
          products: [product],
          status: 'not_affected',
          justification: 'vulnerable_code_not_present',
        },
      ],
    },
    'x.vex.json',
  );
const applies = (
  product: unknown,
  image: VexImage = { name: 'registry.example:5000/team/app:1', digest: DIGEST, distro: 'debian-12' },
) => applyVex([finding], [about(product)], image).suppressed.length === 1;
const pkg = (id: string) => ({ '@id': id });

describe('VEX matching respects what a purl says', () => {
  it.each([
    ['pkg:deb/debian/libssl3', true],
    ['pkg:deb/debian/openssl@3.0.11-1~deb12u2', true],
    ['pkg:deb/debian/libssl3?arch=amd64&distro=debian-12', true],
    ['pkg:deb/debian/libssl3?distro=bookworm', true],
    ['pkg:deb/debian/libssl3?os_name=debian&os_version=12&os_distro=bookworm', true],
    ['pkg:generic/openssl', true],
    ['pkg:deb/debian/libssl3?arch=arm64', false],
    ['pkg:deb/debian/libssl3?distro=debian-13', false],
    ['pkg:deb/debian/libssl3?distro=trixie', false],
    ['pkg:deb/debian/libssl3?os_distro=trixie&os_name=debian&os_version=13', false],
    ['pkg:deb/ubuntu/libssl3', false],
    ['pkg:apk/alpine/libssl3', false],
    ['pkg:npm/libssl3', false],
  ])('%s names libssl3 (openssl) amd64 of a Debian 12 image: %s', (purl, expected) => {
    expect(applies(pkg(purl))).toBe(expected);
  });

  it('the arch qualifier counts even when the distro is not known', () => {
    expect(applyVex([finding], [about(pkg('pkg:deb/debian/libssl3?arch=arm64'))]).suppressed).toEqual([]);
  });

  it.each([
    ['pkg:oci/app', true],
    [`pkg:oci/app@${encodeURIComponent(DIGEST)}`, true],
    ['pkg:oci/app?repository_url=registry.example:5000/team/app', true],
    ['pkg:oci/app?repository_url=registry.example%3A5000%2Fteam%2Fapp&tag=2', true],
    ['pkg:oci/app?repository_url=https://registry.example:5000/team/app', true],
    ['pkg:oci/app?repository_url=registry.example:5000/other/app', false],
    ['pkg:oci/app?repository_url=elsewhere.example/team/app', false],
    [`pkg:oci/app@sha256%3A${'00'.repeat(32)}`, false],
    ['pkg:oci/other', false],
    ['pkg:docker/team/app', true],
    ['pkg:docker/team/app?repository_url=registry.example:5000', true],
    ['pkg:docker/team/app?repository_url=gcr.io', false],
    ['pkg:docker/other/app', false],
    ['pkg:docker/app', false],
  ])('the image product %s names registry.example:5000/team/app:1: %s', (purl, expected) => {
    expect(applies({ '@id': purl, subcomponents: [pkg('pkg:deb/debian/libssl3')] })).toBe(expected);
  });

  it('pkg:oci/redis?repository_url=a.example/x/redis is not the image b.example/y/redis, whatever its last segment', () => {
    const product = {
      '@id': 'pkg:oci/redis?repository_url=a.example/x/redis',
      subcomponents: [pkg('pkg:deb/debian/libssl3')],
    };
    expect(applies(product, { name: 'b.example/y/redis', digest: DIGEST })).toBe(false);
    expect(applies(product, { name: 'a.example/y/redis', digest: DIGEST })).toBe(false);
    expect(applies(product, { name: 'a.example/x/redis:7', digest: DIGEST })).toBe(true);
    // an image named without a registry is matched by its path
    expect(applies(product, { name: 'x/redis', digest: DIGEST })).toBe(true);
    expect(applies(product, { name: 'y/redis', digest: DIGEST })).toBe(false);
  });

  it('Alpine: apk purls with the alpine namespace and release', () => {
    const apk = {
      ...finding,
      package: 'libcrypto3',
      sourcePackage: 'openssl',
      installed: '3.3.2-r0',
      sourceVersion: '3.3.2-r0',
      arch: 'x86_64',
    };
    const on = (purl: string) =>
      applyVex([apk], [about(pkg(purl))], { name: 'team/app', distro: 'alpine-3.22' }).suppressed.length === 1;
    expect([
      on('pkg:apk/alpine/libcrypto3?arch=x86_64&distro=alpine-3.22'),
      on('pkg:apk/alpine/openssl?distro=3.22'),
      on('pkg:apk/alpine/libcrypto3?distro=alpine-3.21'),
      on('pkg:deb/debian/libcrypto3'),
      on('pkg:apk/wolfi/libcrypto3'),
    ]).toEqual([true, true, false, false, false]);
  });
});
