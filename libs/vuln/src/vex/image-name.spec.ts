import type { Finding } from '../match';
import { applyVex } from './apply-vex';
import { emitImageVex } from './emit-vex';
import { parseOpenVex } from './openvex-parse';

/** VEX of images named with a registry host and port, a tag, an [IPv6] host (issue 15). */

const DIGEST = `sha256:${'ab'.repeat(32)}`;
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

const notAffected = parseOpenVex(
  {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'https://vex.example.org/redis',
    author: 'test',
    timestamp: '2026-01-01T00:00:00Z',
    version: 1,
    statements: [
      {
        vulnerability: { name: 'CVE-2024-0001' },
        products: [{ '@id': 'pkg:oci/redis', subcomponents: [{ '@id': 'pkg:deb/debian/libssl3' }] }],
        status: 'not_affected',
        justification: 'vulnerable_code_not_in_execute_path',
      },
    ],
  },
  'redis.vex.json',
);

describe('VEX of images named by the OCI reference grammar', () => {
  it.each([
    [
      '127.0.0.1:5000/examples/redis:7.0',
      `pkg:oci/redis@sha256%3A${'ab'.repeat(32)}?repository_url=127.0.0.1%3A5000%2Fexamples%2Fredis&tag=7.0`,
    ],
    ['[::1]:5000/x/y:1', `pkg:oci/y@sha256%3A${'ab'.repeat(32)}?repository_url=%5B%3A%3A1%5D%3A5000%2Fx%2Fy&tag=1`],
    [
      'registry.example.org:5000/team/app',
      `pkg:oci/app@sha256%3A${'ab'.repeat(32)}?repository_url=registry.example.org%3A5000%2Fteam%2Fapp`,
    ],
  ])('emits the document of %s with its purl: the repository as repository_url, the tag as tag', (name, product) => {
    const doc = emitImageVex({
      image: { name, digest: DIGEST },
      distro: 'debian-12',
      findings: [finding],
      timestamp: '2026-03-01T00:00:00Z',
    });
    expect(doc?.statements.map((s) => s.products[0]?.['@id'])).toEqual([product]);
  });

  it('a statement about the repository applies to the image whatever host, port and tag its name has', () => {
    for (const name of ['examples/redis', '127.0.0.1:5000/examples/redis:7.0', `[::1]:5000/examples/redis@${DIGEST}`]) {
      const { findings, suppressed } = applyVex([finding], [notAffected], { name, digest: DIGEST });
      expect([name, findings.length, suppressed.length]).toEqual([name, 0, 1]);
    }
    expect(
      applyVex([finding], [notAffected], { name: '127.0.0.1:5000/examples/valkey:7.0', digest: DIGEST }).suppressed,
    ).toEqual([]);
  });

  it.each([
    ['registry.example.org/Team/app', 'upper-case'],
    ['https://registry.example.org/team/app', 'URL scheme'],
    ['registry.example.org/team/../app', '".."'],
    ['registry.example.org/app\u0085', 'control character'],
  ])('refuses the image name %j, saying why', (name, why) => {
    expect(() =>
      emitImageVex({
        image: { name, digest: DIGEST },
        distro: 'debian-12',
        findings: [],
        timestamp: '2026-03-01T00:00:00Z',
      }),
    ).toThrow(why);
  });
});
