import Ajv from 'ajv';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE_NAME_ANNOTATION, writeImageLayout } from '@patch-factory/builder';
import type { TarEntry } from '@patch-factory/oci';
import { repoRoot } from '@patch-factory/testing';
import { runCli } from './cli';
import { parseImageRef } from './image-ref';

/** Image names with a registry host and port, read from the command line and from a layout (issue 15). */

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

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
const HEX = 'e'.repeat(64);

/** A one-platform image whose index carries `name` as the image-name annotation (as patch-factory build writes it). */
async function layoutNamed(work: string, name: string): Promise<string> {
  const out = join(work, `layout-${Math.random().toString(16).slice(2)}`);
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
  await writeImageLayout(out, {
    platforms: [{ os: 'linux', architecture: 'amd64', layers: [layer], config: {} }],
    annotations: { [IMAGE_NAME_ANNOTATION]: name },
    sourceDateEpoch: 1_700_000_000,
    refName: '7.0',
  });
  return out;
}

describe('image names with a registry host and port', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pf-cli-image-name-'));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('patch-factory sbom writes both SBOMs of a layout named 127.0.0.1:5000/examples/redis:7.0', async () => {
    const layout = await layoutNamed(work, '127.0.0.1:5000/examples/redis:7.0');
    const cdx = await cli('sbom', layout, '--format', 'cyclonedx');
    expect({ code: cdx.code, stderr: cdx.stderr }).toEqual({ code: 0, stderr: '' });
    const bom = JSON.parse(cdx.stdout) as {
      metadata: { component: { name: string; purl: string } };
      components: { name: string }[];
    };
    expect(bom.metadata.component.name).toBe('127.0.0.1:5000/examples/redis:7.0');
    expect(bom.metadata.component.purl).toMatch(
      /^pkg:oci\/redis@sha256%3A[0-9a-f]{64}\?arch=amd64&repository_url=127\.0\.0\.1%3A5000%2Fexamples%2Fredis&tag=7\.0$/,
    );
    expect(bom.components.map((c) => c.name)).toEqual(['zz']);
    const spdx = await cli('sbom', layout, '--format', 'spdx');
    expect({ code: spdx.code, stderr: spdx.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(spdx.stdout) as { packages: { name: string }[] }).packages[0]?.name).toBe(
      '127.0.0.1:5000/examples/redis:7.0',
    );
    // Valid by the official SPDX 2.3 JSON schema (spdx/spdx-spec v2.3), read in place.
    const official = new Ajv({ strict: true, allErrors: true }).compile(
      JSON.parse(
        readFileSync(join(repoRoot(), '..', 'shared', 'schemas', 'spdx-2.3', 'spdx-schema.json'), 'utf8'),
      ) as object,
    );
    expect(official(JSON.parse(spdx.stdout)) ? null : official.errors).toBeNull();
    const named = await cli('sbom', layout, '--format', 'cyclonedx', '--name', '[::1]:5000/x/y:1');
    expect(named.code).toBe(0);
    expect((JSON.parse(named.stdout) as typeof bom).metadata.component.name).toBe('[::1]:5000/x/y:1');
  });

  it('patch-factory scan reads the same layout and reports its name', async () => {
    const layout = await layoutNamed(work, '127.0.0.1:5000/examples/redis:7.0');
    const advisories = join(work, 'advisories.json');
    writeFileSync(
      advisories,
      JSON.stringify({
        id: 'DEBIAN-CVE-2024-0001',
        modified: '2024-01-01T00:00:00Z',
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'zz-src' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }],
          },
        ],
      }),
    );
    const res = await cli('scan', layout, '--advisories', advisories, '--json');
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(res.stdout).toContain('"name": "127.0.0.1:5000/examples/redis:7.0"');
  });

  it('a layout whose image-name annotation breaks the grammar: an error naming the annotation and why', async () => {
    const layout = await layoutNamed(work, 'registry.example.org:5000/Team/app:1');
    const res = await cli('sbom', layout, '--format', 'cyclonedx');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('image-name-invalid');
    expect(res.stderr).toContain(`the ${IMAGE_NAME_ANNOTATION} annotation of the image index`);
    expect(res.stderr).toContain('upper-case letters in its repository path');
    const flag = await cli('sbom', layout, '--format', 'cyclonedx', '--name', 'https://registry.example.org/team/app');
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('URL scheme');
  });

  it.each([
    [
      '127.0.0.1:5000/examples/redis:7.0',
      { registry: 'http://127.0.0.1:5000', host: '127.0.0.1:5000', repository: 'examples/redis', tag: '7.0' },
    ],
    ['[::1]:5000/x/y:1', { registry: 'http://[::1]:5000', host: '[::1]:5000', repository: 'x/y', tag: '1' }],
    [
      `localhost:5000/a/b@sha256:${HEX}`,
      { registry: 'http://localhost:5000', host: 'localhost:5000', repository: 'a/b', digest: `sha256:${HEX}` },
    ],
    [
      'registry.example.org:5000/team/app:1',
      {
        registry: 'https://registry.example.org:5000',
        host: 'registry.example.org:5000',
        repository: 'team/app',
        tag: '1',
      },
    ],
    ['myregistry/team/app:1', { registry: 'https://myregistry', host: 'myregistry', repository: 'team/app', tag: '1' }],
  ])('the command line reads %s', (text, parts) => {
    expect(parseImageRef(text, 'publish')).toEqual(parts);
  });

  it.each([
    ['a..b:5000/x:1', '".."'],
    ['-bad-:5000/x:1', 'registry host'],
    ['registry.example.org:5000/Team/app:1', 'upper-case'],
    ['registry.example.org:5000/team/app:1\u001b[2J', 'control character'],
    [`registry.example.org/team/app@sha512:${'f'.repeat(128)}`, 'sha256'],
  ])('the command line refuses %j', (text, why) => {
    expect(() => parseImageRef(text, 'publish')).toThrow(why);
  });
});
