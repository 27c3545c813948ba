import type { TarEntry } from '@patch-factory/oci';
import { cycloneDxJson } from './cyclonedx';
import { imageInventory } from './image-inventory';

/** The CycloneDX document as the library's model and serializer write it (issue 15): the information of the hand-written one, nothing more. */

const file = (path: string, text: string): TarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  data: Buffer.from(text),
});
const STATUS = [
  'Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u2\nSource: openssl',
  'Package: zz\nStatus: install ok installed\nArchitecture: all\nVersion: 1:1.0+x',
].join('\n\n');
const DEP5 =
  'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: Apache-2.0\n\nFiles: a/*\nLicense: Apache-2.0\n\nFiles: b/*\nLicense: Expat\n';
const DIGEST = `sha256:${'b'.repeat(64)}`;
const IMAGE_PURL = `pkg:oci/x@sha256%3A${'b'.repeat(64)}?arch=amd64`;
const LIBSSL = 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12';
const ZZ = 'pkg:deb/debian/zz@1%3A1.0%2Bx?arch=all&distro=debian-12';

describe('cycloneDxJson', () => {
  it('writes the image, its packages, licenses once each, properties, and the image’s dependencies only', () => {
    const inv = imageInventory(
      { name: 'examples/x', digest: DIGEST, platform: 'linux/amd64', manifestDigest: `sha256:${'c'.repeat(64)}` },
      new Map(
        [
          file('etc/os-release', 'ID=debian\nVERSION_ID="12"\n'),
          file('var/lib/dpkg/status', STATUS),
          file('usr/share/doc/libssl3/copyright', DEP5),
        ].map((e) => [e.path, e]),
      ),
    );
    const json = cycloneDxJson(inv, { timestamp: '2024-01-02T03:04:05Z', toolVersion: '1.2.3' });
    expect(json.endsWith('}\n')).toBe(true);
    expect(json.split('\n')[1]).toBe('  "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",');
    const props = (entries: [string, string][]) => entries.map(([name, value]) => ({ name, value }));
    expect(JSON.parse(json)).toEqual({
      $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      version: 1,
      serialNumber: expect.stringMatching(
        /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ) as unknown,
      metadata: {
        // As given, like the SPDX document's `created` (not Date#toISOString's milliseconds).
        timestamp: '2024-01-02T03:04:05Z',
        tools: { components: [{ type: 'application', name: 'patch-factory', version: '1.2.3' }] },
        component: {
          type: 'container',
          name: 'examples/x',
          version: DIGEST,
          'bom-ref': IMAGE_PURL,
          purl: IMAGE_PURL,
          properties: props([
            ['patch-factory:oci:platform', 'linux/amd64'],
            ['patch-factory:oci:manifest-digest', `sha256:${'c'.repeat(64)}`],
            ['patch-factory:distro', 'debian-12'],
          ]),
        },
      },
      components: [
        {
          type: 'library',
          name: 'libssl3',
          version: '3.0.11-1~deb12u2',
          'bom-ref': LIBSSL,
          licenses: [{ license: { id: 'Apache-2.0' } }, { license: { id: 'MIT' } }],
          purl: LIBSSL,
          properties: props([
            ['patch-factory:deb:source-name', 'openssl'],
            ['patch-factory:deb:source-version', '3.0.11-1~deb12u2'],
            ['patch-factory:deb:source-purl', 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=source&distro=debian-12'],
          ]),
        },
        {
          type: 'library',
          name: 'zz',
          version: '1:1.0+x',
          'bom-ref': ZZ,
          purl: ZZ,
          properties: props([
            ['patch-factory:deb:source-name', 'zz'],
            ['patch-factory:deb:source-version', '1:1.0+x'],
            ['patch-factory:deb:source-purl', 'pkg:deb/debian/zz@1%3A1.0%2Bx?arch=source&distro=debian-12'],
            ['patch-factory:deb:license-note', expect.any(String) as unknown as string],
          ]),
        },
      ],
      // Only the image's dependencies are known; a package read from dpkg's database is left out of
      // the graph (unknown), not listed with none (which CycloneDX reads as "no dependencies").
      dependencies: [{ ref: IMAGE_PURL, dependsOn: [LIBSSL, ZZ] }],
    });
  });
});
