import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeImageLayout } from '@patch-factory/builder';
import type { TarEntry } from '@patch-factory/oci';
import { sbomValidators, spdxSchemaPath } from '@patch-factory/sbom';
import { emitImageVex, loadOsvJson, parseOpenVex, VulnDb } from '@patch-factory/vuln';
import { scanPlatform } from './scan-platform';

/** The scan stage of an image whose definition names it with a registry host and port (issue 15). */

const file = (path: string, text: string): TarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  data: Buffer.from(text),
});
const dir = (path: string): TarEntry => ({
  path,
  type: 'dir',
  mode: 0o755,
  uid: 0,
  gid: 0,
  mtime: 0,
  data: Buffer.alloc(0),
});

const OSV = {
  id: 'DEBIAN-CVE-2024-0001',
  aliases: ['CVE-2024-0001'],
  modified: '2024-01-01T00:00:00Z',
  affected: [
    {
      package: { ecosystem: 'Debian:12', name: 'zz-src' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }],
    },
  ],
};
const VEX = {
  '@context': 'https://openvex.dev/ns/v0.2.0',
  '@id': 'https://vex.example.org/redis',
  author: 'test',
  timestamp: '2024-01-01T00:00:00Z',
  version: 1,
  statements: [
    {
      vulnerability: { name: 'CVE-2024-0001' },
      products: [{ '@id': 'pkg:oci/redis', subcomponents: [{ '@id': 'pkg:deb/debian/zz' }] }],
      status: 'not_affected',
      justification: 'vulnerable_code_not_present',
    },
  ],
};

describe('scanning an image named 127.0.0.1:5000/examples/redis:7.0', () => {
  let work: string;
  let layout: string;
  let digest: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-scan-image-name-'));
    layout = join(work, 'layout');
    const layer = [
      dir('etc'),
      file('etc/os-release', 'ID=debian\nVERSION_ID="12"\n'),
      dir('var'),
      dir('var/lib'),
      dir('var/lib/dpkg'),
      file(
        'var/lib/dpkg/status',
        'Package: zz\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\nSource: zz-src\n',
      ),
    ];
    digest = await writeImageLayout(layout, {
      platforms: [{ os: 'linux', architecture: 'amd64', layers: [layer], config: {} }],
      sourceDateEpoch: 1_700_000_000,
    });
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("writes both SBOMs, matches the advisories and applies the catalog's VEX about the repository", async () => {
    const db = new VulnDb();
    loadOsvJson(db, OSV, 'osv');
    const name = '127.0.0.1:5000/examples/redis:7.0';
    const scanned = await scanPlatform({
      layout,
      platform: 'linux/amd64',
      name,
      digest,
      sbomDir: work,
      db,
      vex: [parseOpenVex(VEX, 'redis.vex.json')],
      validators: sbomValidators(spdxSchemaPath(undefined)),
    });
    expect(scanned.platform.sbomProblem).toBeUndefined();
    expect(scanned.platform.sbom).toBeDefined();
    const cdx = JSON.parse(readFileSync(scanned.platform.sbom?.cyclonedx as string, 'utf8')) as {
      metadata: { component: { name: string; purl: string } };
    };
    expect(cdx.metadata.component.name).toBe(name);
    expect(cdx.metadata.component.purl).toContain('repository_url=127.0.0.1%3A5000%2Fexamples%2Fredis&tag=7.0');
    expect(scanned.findings).toEqual([]);
    expect(scanned.suppressed.map((s) => [s.finding.id, s.vex.status])).toEqual([['CVE-2024-0001', 'not_affected']]);
    // The stage then emits the image's VEX under the same name.
    const vex = emitImageVex({
      image: { name, digest },
      distro: 'debian-12',
      findings: scanned.findings,
      suppressed: scanned.suppressed,
      timestamp: '2026-12-01T00:00:00.000Z',
    });
    expect(vex?.statements.map((s) => [s.vulnerability.name, s.status])).toEqual([['CVE-2024-0001', 'not_affected']]);
    expect(vex?.['@id']).toMatch(/^https:\/\/openvex\.dev\/docs\/public\/vex-[0-9a-f]{64}$/);
  });

  it('[::1]:5000/x/y:1 scans too; a name with upper-case path letters is an SBOM problem naming it', async () => {
    const ok = await scanPlatform({
      layout,
      platform: 'linux/amd64',
      name: '[::1]:5000/x/y:1',
      digest,
      sbomDir: work,
      db: new VulnDb(),
      vex: [],
      validators: sbomValidators(spdxSchemaPath(undefined)),
    });
    expect(ok.platform.sbomProblem).toBeUndefined();
    const bad = await scanPlatform({
      layout,
      platform: 'linux/amd64',
      name: '127.0.0.1:5000/Examples/redis',
      digest,
      sbomDir: work,
      db: new VulnDb(),
      vex: [],
      validators: sbomValidators(spdxSchemaPath(undefined)),
    });
    expect(bad.platform.sbomProblem).toMatch(
      /^SBOM image name: image reference "127\.0\.0\.1:5000\/Examples\/redis" has upper-case letters in its repository path/,
    );
  });
});
