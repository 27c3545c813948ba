import { PipelineError } from '@patch-factory/contracts';
import type { TarEntry } from '@patch-factory/oci';
import { cycloneDxJson } from './cyclonedx';
import { imageInventory, type SbomImage } from './image-inventory';
import { spdxJson } from './spdx';
import { cycloneDx16Validator, spdx23Validator, spdxReferenceErrors } from './sbom-schemas.fixture';

const file = (path: string, text: string): TarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  data: Buffer.from(text),
});
const fs = () =>
  new Map(
    [
      file('etc/os-release', 'ID=debian\nVERSION_ID="12"\n'),
      file('var/lib/dpkg/status', 'Package: zz\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\n'),
    ].map((e) => [e.path, e]),
  );
const DIGEST = `sha256:${'c'.repeat(64)}`;
const image = (name: string): SbomImage => ({ name, digest: DIGEST, platform: 'linux/amd64' });

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof PipelineError ? `${e.code}: ${e.message}` : `not a PipelineError: ${String(e)}`;
  }
  return 'not refused';
}

describe('SBOM image names by the OCI reference grammar (issue 15)', () => {
  it.each([
    [
      '127.0.0.1:5000/examples/redis:7.0',
      'pkg:oci/redis@sha256%3A' +
        'c'.repeat(64) +
        '?arch=amd64&repository_url=127.0.0.1%3A5000%2Fexamples%2Fredis&tag=7.0',
    ],
    [
      '[::1]:5000/x/y:1',
      'pkg:oci/y@sha256%3A' + 'c'.repeat(64) + '?arch=amd64&repository_url=%5B%3A%3A1%5D%3A5000%2Fx%2Fy&tag=1',
    ],
    [
      `localhost:5000/a/b@sha256:${'d'.repeat(64)}`,
      'pkg:oci/b@sha256%3A' + 'c'.repeat(64) + '?arch=amd64&repository_url=localhost%3A5000%2Fa%2Fb',
    ],
    [
      'registry.example.org:5000/team/app',
      'pkg:oci/app@sha256%3A' + 'c'.repeat(64) + '?arch=amd64&repository_url=registry.example.org%3A5000%2Fteam%2Fapp',
    ],
    ['examples/redis', 'pkg:oci/redis@sha256%3A' + 'c'.repeat(64) + '?arch=amd64'],
  ])('%s: an inventory, an oci purl with the repository and tag, and SBOMs valid by their schemas', (name, purl) => {
    const inv = imageInventory(image(name), fs());
    expect(inv.purl).toBe(purl);
    const cdx = cycloneDxJson(inv, { timestamp: '2024-01-02T03:04:05Z' });
    const spdx = spdxJson(inv, { timestamp: '2024-01-02T03:04:05Z' });
    expect(cycloneDx16Validator()(cdx)).toBeNull();
    expect(spdx23Validator()(spdx)).toBeNull();
    expect(spdxReferenceErrors(spdx)).toEqual([]);
    const doc = JSON.parse(spdx) as { documentNamespace: string; packages: { name: string }[] };
    expect(new URL(doc.documentNamespace).pathname).not.toMatch(/[[\]]/);
    expect(doc.packages[0]?.name).toBe(name);
  });

  it.each([
    ['registry.example.org/Team/app', 'upper-case letters in its repository path'],
    ['https://registry.example.org/team/app', 'URL scheme'],
    ['registry.example.org/team/../app', '".."'],
    ['team/app\u0000', 'control character'],
    ['team /app', 'whitespace'],
    [`registry.example.org/${'a'.repeat(300)}`, 'more than 255'],
  ])('refuses %j, naming the SBOM image name and why', (name, why) => {
    const message = refusal(() => imageInventory(image(name), fs()));
    expect(message).toMatch(/^sbom-input-invalid: SBOM image name: image reference "/);
    expect(message).toContain(why);
  });
});
