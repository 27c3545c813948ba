import { PipelineError } from '@patch-factory/contracts';
import type { TarEntry } from '@patch-factory/oci';
import { dep5Licenses } from './copyright';
import { cycloneDxJson } from './cyclonedx';
import { dpkgPackages } from './dpkg-packages';
import { imageFile } from './image-files';
import { imageInventory, type SbomImage } from './image-inventory';
import { imageDistro, imageOs } from './os-release';
import { debPurl, ociPurl } from './purl';
import { spdxExpression } from './license-ids';
import { spdxJson } from './spdx';
import { cycloneDx16Validator, spdx23Validator, spdxReferenceErrors } from './sbom-schemas.fixture';

const file = (path: string, text: string | Buffer): TarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  data: Buffer.isBuffer(text) ? text : Buffer.from(text),
});
const symlink = (path: string, target: string): TarEntry => ({
  path,
  type: 'symlink',
  mode: 0o777,
  uid: 0,
  gid: 0,
  mtime: 0,
  linkTarget: target,
  data: Buffer.alloc(0),
});
const fsOf = (...entries: TarEntry[]) => new Map(entries.map((e) => [e.path, e]));

const stanza = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
const installed = (name: string, version: string, extra: Record<string, string> = {}) =>
  stanza({ Package: name, Status: 'install ok installed', Architecture: 'amd64', Version: version, ...extra });

const DEP5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: openssl

Files: *
Copyright: 1998-2023 The OpenSSL Project
License: Apache-2.0

Files: debian/*
Copyright: none
License: GPL-2+ or Artistic
 The text of the license,
 .
 continued.

Files: crypto/x
License: Apache-2.0

License: Artistic
 Standalone license paragraph, not a Files paragraph.
`;

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof PipelineError ? `${e.code}: ${e.message}` : `not a PipelineError: ${String(e)}`;
  }
  return undefined;
};

describe('dpkgPackages', () => {
  it('lists installed packages with their source, and skips the others with a reason', () => {
    const status = [
      installed('libssl3', '3.0.11-1~deb12u2', { Source: 'openssl', 'Multi-Arch': 'same' }),
      installed('redis-server', '5:7.0.15-1~deb12u1', {
        Source: 'redis (5:7.0.15-1~deb12u1)',
        Description: 'x\n more\n .\n end',
      }),
      installed('tzdata', '2024a-0+deb12u1', { Architecture: 'all' }),
      stanza({ Package: 'removed', Status: 'deinstall ok config-files', Version: '1', Architecture: 'amd64' }),
      stanza({ Status: 'install ok installed', Version: '1', Architecture: 'amd64' }),
      stanza({ Package: 'noversion', Status: 'install ok installed', Architecture: 'amd64' }),
      installed('badsource', '1.0', { Source: 'Not A Name (1)' }),
    ].join('\n\n');
    const { packages, skipped } = dpkgPackages(fsOf(file('var/lib/dpkg/status', status)));
    expect(packages.map((p) => [p.name, p.version, p.architecture, p.source.name, p.source.version])).toEqual([
      ['libssl3', '3.0.11-1~deb12u2', 'amd64', 'openssl', '3.0.11-1~deb12u2'],
      ['redis-server', '5:7.0.15-1~deb12u1', 'amd64', 'redis', '5:7.0.15-1~deb12u1'],
      ['tzdata', '2024a-0+deb12u1', 'all', 'tzdata', '2024a-0+deb12u1'],
    ]);
    expect(skipped).toEqual([
      { stanza: 4, package: 'removed', reason: 'Status is "deinstall ok config-files", not "install ok installed"' },
      { stanza: 5, reason: 'no Package field' },
      { stanza: 6, package: 'noversion', reason: 'no Version field' },
      { stanza: 7, package: 'badsource', reason: 'Source "Not A Name (1)" is not "name" or "name (version)"' },
    ]);
  });

  it('refuses a huge field, a duplicate package, a field given twice and a NUL byte, naming the file', () => {
    const huge = installed('a', '1', { Description: 'x'.repeat(2 * 1024 * 1024) });
    expect(code(() => dpkgPackages(fsOf(file('var/lib/dpkg/status', huge))))).toMatch(
      /^sbom-status-invalid: var\/lib\/dpkg\/status of the image is not valid deb822: field description \(line 5\) is longer than 1048576 bytes/,
    );
    const dup = [installed('a', '1'), installed('a', '2')].join('\n\n');
    expect(code(() => dpkgPackages(fsOf(file('var/lib/dpkg/status', dup))))).toMatch(
      /lists a:amd64 twice \(paragraphs 1 and 2\)/,
    );
    expect(code(() => dpkgPackages(fsOf(file('var/lib/dpkg/status', `${installed('a', '1')}\nVersion: 2`))))).toMatch(
      /field version appears twice/,
    );
    expect(code(() => dpkgPackages(fsOf(file('var/lib/dpkg/status', `${installed('a', '1')}\0`))))).toMatch(/NUL byte/);
    expect(code(() => dpkgPackages(fsOf(file('var/lib/dpkg/status', ' continuation first'))))).toMatch(
      /line 1 continues no field/,
    );
    expect(code(() => dpkgPackages(fsOf(file('var/lib/dpkg/status', installed('a', '1'))), { maxBytes: 10 }))).toMatch(
      /over the limit of 10/,
    );
    const many = Array.from({ length: 100 }, (_, i) => installed(`p${i}`, '1')).join('\n\n');
    expect(dpkgPackages(fsOf(file('var/lib/dpkg/status', many))).packages).toHaveLength(100);
    expect(dpkgPackages(fsOf()).packages).toEqual([]);
  });
});

describe('image files, os-release, copyright, purls', () => {
  it('follows symlinks inside the image and not above its root', () => {
    const fs = fsOf(
      file('usr/lib/os-release', 'ID=debian\nVERSION_ID="12"\n'),
      symlink('etc/os-release', '../usr/lib/os-release'),
      symlink('usr/share/doc/libfoo', 'libbar'),
      file('usr/share/doc/libbar/copyright', 'c'),
      symlink('evil', '../../../etc/shadow'),
      symlink('loop', 'loop'),
    );
    expect(imageDistro(fs)).toBe('debian-12');
    expect(imageFile(fs, 'usr/share/doc/libfoo/copyright')?.data.toString()).toBe('c');
    expect(imageFile(fs, 'evil')).toBeUndefined();
    expect(imageFile(fs, 'loop')).toBeUndefined();
    expect(imageDistro(fsOf(file('etc/os-release', 'ID="$(rm -rf /)"\nVERSION_ID=12')))).toBeUndefined();
    expect(imageOs(fsOf(file('etc/os-release', '# comment\nID=opensuse-leap\nVERSION_ID="15.5"\n')))).toEqual({
      id: 'opensuse-leap',
      distro: 'opensuse-leap-15.5',
    });
  });

  it('reads the License short names of the Files paragraphs of a DEP-5 file', () => {
    expect(dep5Licenses(DEP5)).toEqual({ licenses: ['Apache-2.0', 'GPL-2+ or Artistic'] });
    expect(dep5Licenses('This is free software, see /usr/share/common-licenses/GPL-2.\n')).toEqual({
      licenses: undefined,
      reason: 'not a machine-readable (DEP-5 1.0) copyright file',
    });
    expect(
      dep5Licenses(
        'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: MIT\nLicense: GPL-2\n',
      ),
    ).toEqual({ licenses: undefined, reason: 'not deb822: field license appears twice in one paragraph (line 5)' });
    expect(dep5Licenses('Format: http://example.com/other\n\nFiles: *\nLicense: MIT\n').licenses).toBeUndefined();
  });

  it('turns Debian license names into SPDX expressions', () => {
    expect(spdxExpression('GPL-2+ or Artistic').expression).toBe('GPL-2.0-or-later OR LicenseRef-Artistic');
    expect(spdxExpression('Expat').expression).toBe('MIT');
    expect(spdxExpression('GPL-2.0+ or GPL-3.0').expression).toBe('GPL-2.0-or-later OR GPL-3.0-only');
    expect(spdxExpression('bsd-3-clause').expression).toBe('BSD-3-Clause');
    expect(spdxExpression('LGPL-2.1+ with OpenSSL exception').expression).toBe(
      'LicenseRef-LGPL-2.1-with-OpenSSL-exception',
    );
  });

  it('encodes purls as purl-spec says', () => {
    expect(debPurl('debian', 'redis-server', '5:7.0.15-1~deb12u1', { arch: 'amd64', distro: 'debian-12' })).toBe(
      'pkg:deb/debian/redis-server@5%3A7.0.15-1~deb12u1?arch=amd64&distro=debian-12',
    );
    expect(debPurl('debian', 'libstdc++6', '12.2.0-14+deb12u1', { arch: 'amd64' })).toBe(
      'pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=amd64',
    );
    expect(ociPurl('examples/redis', `sha256:${'a'.repeat(64)}`, { arch: 'amd64' })).toBe(
      `pkg:oci/redis@sha256%3A${'a'.repeat(64)}?arch=amd64`,
    );
  });
});

describe('SBOMs of a crafted image', () => {
  const image: SbomImage = { name: 'examples/x', digest: `sha256:${'b'.repeat(64)}`, platform: 'linux/amd64' };
  const fs = () =>
    fsOf(
      file('etc/os-release', 'ID=debian\nVERSION_ID="12"\n'),
      file(
        'var/lib/dpkg/status',
        [
          installed('libssl3', '3.0.11-1~deb12u2', { Source: 'openssl' }),
          installed('zz', '1:1.0+x', { Architecture: 'all' }),
        ].join('\n\n'),
      ),
      file('usr/share/doc/libssl3/copyright', DEP5),
    );

  it('validates against the schemas, and the same input gives the same bytes', () => {
    const inv = imageInventory(image, fs());
    const cdx = cycloneDxJson(inv, { timestamp: '2024-01-02T03:04:05Z' });
    const spdx = spdxJson(inv, { timestamp: '2024-01-02T03:04:05Z' });
    expect(cycloneDx16Validator()(cdx)).toBeNull();
    expect(spdx23Validator()(spdx)).toBeNull();
    expect(spdxReferenceErrors(spdx)).toEqual([]);
    // The validators do refuse what the formats do not allow.
    const broken = (json: string, change: (doc: Record<string, unknown>) => void) => {
      const doc = JSON.parse(json) as Record<string, unknown>;
      change(doc);
      return JSON.stringify(doc);
    };
    expect(cycloneDx16Validator()(broken(cdx, (d) => (d['serialNumber'] = 'urn:uuid:not-a-uuid')))).not.toBeNull();
    expect(
      cycloneDx16Validator()(
        broken(
          cdx,
          (d) => ((d['components'] as Record<string, unknown>[])[0]!['licenses'] = [{ license: { id: 'GPL-2+' } }]),
        ),
      ),
    ).not.toBeNull();
    expect(cycloneDx16Validator()(broken(cdx, (d) => (d['extra'] = 1)))).not.toBeNull();
    // documentNamespace is mandatory by the spec (6.5) but not in the official schema's required list.
    expect(spdx23Validator()(broken(spdx, (d) => delete d['documentNamespace']))).toBeNull();
    expect(spdxReferenceErrors(broken(spdx, (d) => delete d['documentNamespace']))).toEqual([
      'documentNamespace undefined is not an absolute URI without #',
    ]);
    // The official SPDX 2.3 schema refuses a package without SPDXID, a field it does not
    // define (additionalProperties false), and a reference category outside its enum.
    const pkg = (d: Record<string, unknown>) => (d['packages'] as Record<string, unknown>[])[1]!;
    expect(
      spdx23Validator()(broken(spdx, (d) => delete pkg(d)['SPDXID']))?.map((e) => [e.instancePath, e.message]),
    ).toEqual([['/packages/1', "must have required property 'SPDXID'"]]);
    expect(
      spdx23Validator()(broken(spdx, (d) => (pkg(d)['licenceDeclared'] = 'MIT')))?.map((e) => [
        e.instancePath,
        e.params,
      ]),
    ).toEqual([['/packages/1', { additionalProperty: 'licenceDeclared' }]]);
    expect(
      spdx23Validator()(
        broken(
          spdx,
          (d) => ((pkg(d)['externalRefs'] as Record<string, unknown>[])[0]!['referenceCategory'] = 'PACKAGE_MANAGER'),
        ),
      ),
    ).not.toBeNull();
    // What the schema leaves to the spec text, spdxReferenceErrors checks.
    expect(spdx23Validator()(broken(spdx, (d) => (pkg(d)['SPDXID'] = 'SPDXRef-a_b')))).toBeNull();
    expect(spdxReferenceErrors(broken(spdx, (d) => (pkg(d)['SPDXID'] = 'SPDXRef-a_b')))).toContain(
      'SPDXID SPDXRef-a_b is not SPDXRef- with letters, digits, . and -',
    );
    expect(spdxReferenceErrors(broken(spdx, (d) => (d['spdxVersion'] = 'SPDX-2.2')))).toEqual([
      'spdxVersion SPDX-2.2 is not SPDX-2.3',
    ]);
    expect(spdxReferenceErrors(broken(spdx, (d) => delete d['hasExtractedLicensingInfos']))).toEqual([
      'SPDXRef-Package-deb-libssl3-amd64: LicenseRef-Artistic is not in hasExtractedLicensingInfos',
    ]);
    expect(cycloneDxJson(imageInventory(image, fs()), { timestamp: '2024-01-02T03:04:05Z' })).toBe(cdx);
    expect(spdxJson(imageInventory(image, fs()), { timestamp: '2024-01-02T03:04:05Z' })).toBe(spdx);
    const doc = JSON.parse(cdx) as {
      components: { name: string; licenses?: unknown; purl: string }[];
      serialNumber: string;
    };
    expect(doc.components.map((c) => c.purl)).toEqual([
      'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12',
      'pkg:deb/debian/zz@1%3A1.0%2Bx?arch=all&distro=debian-12',
    ]);
    expect(doc.components[0]?.licenses).toEqual([
      { license: { id: 'Apache-2.0' } },
      { license: { name: 'GPL-2+ or Artistic' } },
    ]);
    const other = cycloneDxJson(imageInventory({ ...image, platform: 'linux/arm64' }, fs()), {
      timestamp: '2024-01-02T03:04:05Z',
    });
    expect((JSON.parse(other) as { serialNumber: string }).serialNumber).not.toBe(doc.serialNumber);
    const s = JSON.parse(spdx) as { packages: { name: string; licenseDeclared: string }[] };
    expect(s.packages.find((p) => p.name === 'libssl3')?.licenseDeclared).toBe(
      'Apache-2.0 AND (GPL-2.0-or-later OR LicenseRef-Artistic)',
    );
    expect(s.packages.find((p) => p.name === 'zz')?.licenseDeclared).toBe('NOASSERTION');
  });

  it('refuses a bad image name, digest, platform or timestamp', () => {
    expect(code(() => imageInventory({ ...image, digest: 'sha256:abc' }, fs()))).toMatch(
      /^sbom-input-invalid: SBOM image digest "sha256:abc"/,
    );
    expect(code(() => imageInventory({ ...image, name: 'Evil Name' }, fs()))).toMatch(/^sbom-input-invalid/);
    expect(code(() => imageInventory({ ...image, platform: 'linux' }, fs()))).toMatch(/^sbom-input-invalid/);
    expect(code(() => cycloneDxJson(imageInventory(image, fs()), { timestamp: 'yesterday' }))).toMatch(
      /^sbom-input-invalid: SBOM timestamp "yesterday"/,
    );
  });
});
