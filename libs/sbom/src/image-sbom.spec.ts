import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, type BuildImageResult } from '@patch-factory/builder';
import { readImageLayout, readLayerEntries } from '@patch-factory/oci';
import { parseDefinition } from '@patch-factory/definitions';
import {
  EXAMPLE_MIRROR_PACKAGES,
  exampleMirrors,
  repoRoot,
  startDebianMirrorFixture,
  type DebianMirrorFixture,
} from '@patch-factory/testing';
import { cycloneDxJson } from './cyclonedx';
import { imageInventory, type ImageInventory } from './image-inventory';
import { spdxJson } from './spdx';
import { cycloneDx16Validator, SPDX_23_SCHEMA, spdx23Validator, spdxReferenceErrors } from './sbom-schemas.fixture';
import { sbomValidators } from './sbom-validation';

jest.setTimeout(300_000);

const EXAMPLES = { static: 'static/debian-12/static.yaml', redis: 'redis/debian-12/7.0.yaml' } as const;
const TIMESTAMP = '2025-01-01T00:00:00Z';

let fixture: DebianMirrorFixture;
let work: string;
const built = new Map<keyof typeof EXAMPLES, { result: BuildImageResult; inv: ImageInventory; name: string }>();

beforeAll(async () => {
  fixture = await startDebianMirrorFixture({ packages: [...EXAMPLE_MIRROR_PACKAGES], architectures: ['amd64'] });
  work = mkdtempSync(join(tmpdir(), 'pf-sbom-'));
  // The examples' signed-by= names debian-archive-keyring.gpg: give the mirror's key that name.
  const keyringDir = join(work, 'keys');
  mkdirSync(keyringDir);
  copyFileSync(join(fixture.keyringDir, fixture.keyringName), join(keyringDir, 'debian-archive-keyring.gpg'));
  for (const name of Object.keys(EXAMPLES) as (keyof typeof EXAMPLES)[]) {
    const parsed = parseDefinition(
      readFileSync(join(repoRoot(), 'examples', 'catalog', 'image', EXAMPLES[name])),
      EXAMPLES[name],
    );
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('; '));
    const outDir = join(work, name);
    const result = await buildImage(parsed.value, {
      where: EXAMPLES[name],
      outDir,
      cacheDir: join(work, 'cache'),
      sources: { keyringDir, mirrors: exampleMirrors(fixture.baseUrl) },
      platforms: ['linux/amd64'],
    });
    const image = parsed.value.image ?? `examples/${name}`;
    built.set(name, { result, inv: await inventory(outDir, image), name: image });
  }
});
afterAll(async () => {
  await fixture?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function inventory(dir: string, name: string): Promise<ImageInventory> {
  const layout = await readImageLayout(dir, { platform: 'linux/amd64' });
  const fs = await readLayerEntries(dir, layout);
  return imageInventory(
    { name, digest: layout.indexDigest, manifestDigest: layout.manifestDigest, platform: layout.platform },
    fs,
  );
}

const get = (name: keyof typeof EXAMPLES) =>
  built.get(name) as { result: BuildImageResult; inv: ImageInventory; name: string };

describe('SBOMs of example images built from Debian 12 packages', () => {
  it.each(Object.keys(EXAMPLES) as (keyof typeof EXAMPLES)[])(
    '%s: lists exactly the packages of the build, valid CycloneDX 1.6 and SPDX 2.3',
    (name) => {
      const { result, inv } = get(name);
      const expected = (result.platforms[0]?.packages ?? [])
        .map((p) => `${p.name} ${p.version} ${p.architecture}`)
        .sort();
      expect(inv.packages.map((p) => `${p.name} ${p.version} ${p.architecture}`).sort()).toEqual(expected);
      expect(inv.skipped).toEqual([]);
      expect(inv.distro).toBe('debian-12');
      expect(inv.image.digest).toBe(result.digest);

      const cdx = cycloneDxJson(inv, { timestamp: TIMESTAMP });
      const spdx = spdxJson(inv, { timestamp: TIMESTAMP });
      expect(cycloneDx16Validator()(cdx)).toBeNull();
      expect(spdx23Validator()(spdx)).toBeNull();
      expect(spdxReferenceErrors(spdx)).toEqual([]);
      // What the scan stage's sbom-invalid gate runs: nothing to say about real Debian images.
      const gate = sbomValidators(SPDX_23_SCHEMA);
      expect(gate.cyclonedx(cdx)).toEqual([]);
      expect(gate.spdx(spdx)).toEqual([]);

      const bom = JSON.parse(cdx) as {
        metadata: { component: { type: string; version: string; purl: string } };
        components: { name: string; purl: string }[];
      };
      expect(bom.metadata.component).toMatchObject({
        type: 'container',
        version: result.digest,
        purl: `pkg:oci/${name}@${result.digest.replace(':', '%3A')}?arch=amd64`,
      });
      expect(bom.components.map((c) => c.name).sort()).toEqual(expected.map((e) => e.split(' ')[0]).sort());
      const doc = JSON.parse(spdx) as {
        packages: { name: string; externalRefs: { referenceLocator: string }[] }[];
        relationships: { relationshipType: string }[];
      };
      expect(doc.packages).toHaveLength(expected.length + 1);
      expect(doc.relationships.filter((r) => r.relationshipType === 'CONTAINS')).toHaveLength(expected.length);
    },
  );

  it('gives redis-server an epoch purl, libssl3 its openssl source, and licenses from DEP-5 copyright files', () => {
    const { inv } = get('redis');
    const bom = JSON.parse(cycloneDxJson(inv, { timestamp: TIMESTAMP })) as {
      components: {
        name: string;
        version: string;
        purl: string;
        licenses?: { license: { id?: string; name?: string } }[];
        properties: { name: string; value: string }[];
      }[];
    };
    const redis = bom.components.find((c) => c.name === 'redis-server');
    expect(redis?.version).toMatch(/^5:7\.0\.\d+-1~deb12u\d+$/);
    expect(redis?.purl).toBe(
      `pkg:deb/debian/redis-server@${(redis?.version ?? '').replace(':', '%3A')}?arch=amd64&distro=debian-12`,
    );
    expect(redis?.purl).toMatch(/@5%3A7\.0\./);
    const libssl = bom.components.find((c) => c.name === 'libssl3');
    const prop = (n: string) => libssl?.properties.find((p) => p.name === n)?.value;
    expect(prop('patch-factory:deb:source-name')).toBe('openssl');
    expect(prop('patch-factory:deb:source-purl')).toMatch(
      /^pkg:deb\/debian\/openssl@3\.[^?]+\?arch=source&distro=debian-12$/,
    );
    const withLicenses = bom.components.filter((c) => c.licenses !== undefined);
    expect(withLicenses.length).toBeGreaterThan(0);
    const redisPkg = inv.packages.find((p) => p.name === 'redis-server');
    expect(redisPkg?.licenses).toContain('BSD-3-clause');
    expect(redis?.licenses).toContainEqual({ license: { id: 'BSD-3-Clause' } });
  });

  it('gives byte-identical SBOMs for the same image read again', async () => {
    const { inv, result, name } = get('redis');
    const again = await inventory(result.outDir, name);
    expect(cycloneDxJson(again, { timestamp: TIMESTAMP })).toBe(cycloneDxJson(inv, { timestamp: TIMESTAMP }));
    expect(spdxJson(again, { timestamp: TIMESTAMP })).toBe(spdxJson(inv, { timestamp: TIMESTAMP }));
  });
});
