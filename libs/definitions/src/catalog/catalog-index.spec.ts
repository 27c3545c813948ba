import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogIndex, parseQuery } from './catalog-index';
import { definitionDeps } from './definition-deps';
import { loadCatalog } from './load-catalog';
import { loadYamlData, YamlDataError } from './load-yaml-data';

const deb = (file: string, packages: string[], extra: Record<string, unknown> = {}) =>
  definitionDeps(`image/${file}`, { vars: { V: '3.0.2-1' }, contents: { packages }, ...extra });

describe('CatalogIndex', () => {
  const index = CatalogIndex.build([
    deb('a/debian-13/1.yaml', ['openssl=3.0.1-1', 'curl']),
    deb('b/debian-13/1.yaml', ['openssl=${V}']),
    deb('c/debian-13/1.yaml', ['openssl']),
    deb('d/debian-13/1.yaml', ['!openssl', 'curl']),
    deb('e/debian-13/1.yaml', ['openssl=1:0.9-1']),
    definitionDeps('image/f/alpine-3.22/1.yaml', { contents: { packages: ['openssl=3.5.1-r0'] } }),
    definitionDeps('image/g/debian-13/1.yaml', {
      vars: { GO_REFERENCE: 'dhi/golang:1.26.5-debian13-dev@sha256:' + 'a'.repeat(64) },
      contents: {
        builds: [
          { uses: 'dhi.example.org/golang:1.25.0-debian13-dev', contents: { packages: ['gcc'] } },
          { uses: 'go/build@v1' },
        ],
      },
      track: [{ type: 'github_release', owner: 'Owner', repo: 'Tool', set: 'VERSION' }],
    }),
  ]);
  const q = (ref: string, below?: string) => index.affected(parseQuery(ref, below));

  it('answers a package query by ecosystem, honouring exclusions', () => {
    expect(q('pkg:deb/debian/openssl').map((a) => a.file)).toEqual([
      'image/a/debian-13/1.yaml',
      'image/b/debian-13/1.yaml',
      'image/c/debian-13/1.yaml',
      'image/e/debian-13/1.yaml',
    ]);
    expect(q('pkg:apk/alpine/openssl').map((a) => a.file)).toEqual(['image/f/alpine-3.22/1.yaml']);
    expect(q('pkg:deb/debian/gcc').map((a) => a.file)).toEqual(['image/g/debian-13/1.yaml']);
  });

  it('limits a package query to pins below a version (Debian order, epochs included), keeping unpinned ones', () => {
    const found = q('pkg:deb/debian/openssl', '3.0.2-1');
    expect(found).toEqual([
      { file: 'image/a/debian-13/1.yaml', reason: 'pins openssl=3.0.1-1 < 3.0.2-1' },
      { file: 'image/c/debian-13/1.yaml', reason: 'installs openssl unpinned (the build resolves a version)' },
    ]);
    // 1:0.9-1 has an epoch: it is above 3.0.2-1.
    expect(q('pkg:deb/debian/openssl', '2:0')).toHaveLength(4);
    expect(q('pkg:apk/alpine/openssl', '3.5.1-r1').map((a) => a.reason)).toEqual(['pins openssl=3.5.1-r0 < 3.5.1-r1']);
    expect(q('pkg:apk/alpine/openssl', '3.5.1-r0')).toEqual([]);
  });

  it('answers image queries by moving tag, release line and registry-qualified rendering', () => {
    expect(q('dhi/golang:1-debian13-dev').map((a) => a.reason)).toEqual([
      `uses dhi/golang:1.26.5-debian13-dev@sha256:${'a'.repeat(64)}`,
    ]);
    expect(q('dhi/golang:1.25-debian13-dev').map((a) => a.reason)).toEqual([
      'uses dhi.example.org/golang:1.25.0-debian13-dev',
    ]);
    expect(q('dhi/golang:1.26.9-debian13-dev').map((a) => a.reason)[0]).toMatch(
      /on the release line of 1\.26\.9-debian13-dev$/,
    );
    expect(q('dhi/golang:1-debian12-dev')).toEqual([]);
  });

  it('answers repository queries from track entries, case-insensitively', () => {
    expect(q('owner/tool').map((a) => a.file)).toEqual(['image/g/debian-13/1.yaml']);
  });

  it.each([
    'pkg:npm/left-pad',
    'pkg:deb/debian/../../x',
    '../x',
    'a;rm -rf /',
    '$(x)',
    'x'.repeat(300),
    'dhi/golang:1\n2',
  ])('refuses the query %j with a message', (ref) => {
    expect(() => parseQuery(ref)).toThrow(/is n(ot|either)/);
  });

  it('refuses a bound that is not a version of the ecosystem', () => {
    expect(() => parseQuery('pkg:deb/debian/openssl', 'abc')).toThrow(/not a Debian version/);
    expect(() => parseQuery('dhi/golang:1-debian13-dev', '1.0')).toThrow(/--below goes with a package purl only/);
  });
});

describe('loadCatalog', () => {
  it('reads only definition files, follows no symbolic link and lists files it cannot parse', () => {
    const root = mkdtempSync(join(tmpdir(), 'pf-catalog-'));
    const outside = mkdtempSync(join(tmpdir(), 'pf-outside-'));
    try {
      mkdirSync(join(root, 'image', 'x', 'debian-13'), { recursive: true });
      mkdirSync(join(outside, 'debian-13'), { recursive: true });
      writeFileSync(join(root, 'image', 'x', 'debian-13', '1.yaml'), 'contents:\n  packages:\n    - curl\n');
      writeFileSync(join(root, 'image', 'x', 'debian-13', 'broken.yaml'), 'contents: [\n');
      writeFileSync(join(root, 'image', 'x', 'info.yaml'), 'name: x\n');
      writeFileSync(join(outside, 'debian-13', 'evil.yaml'), 'contents:\n  packages:\n    - curl\n');
      symlinkSync(outside, join(root, 'image', 'evil'));
      symlinkSync(join(outside, 'debian-13', 'evil.yaml'), join(root, 'image', 'x', 'debian-13', 'link.yaml'));
      const loaded = loadCatalog(root);
      expect(loaded.deps.map((d) => d.file)).toEqual(['image/x/debian-13/1.yaml']);
      expect(loaded.errors.map((e) => e.file)).toEqual(['image/x/debian-13/broken.yaml']);
      expect(loaded.index.affected(parseQuery('pkg:deb/debian/curl')).map((a) => a.file)).toEqual([
        'image/x/debian-13/1.yaml',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('loadYamlData and definitionDeps on hostile YAML', () => {
  it('walks an alias bomb in linear time and refuses duplicate keys and oversized text with a position', () => {
    const lines = ['a0: &a0 [pkg]'];
    for (let i = 1; i < 40; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`);
    lines.push('contents:', '  packages: *a39');
    // 2^39 nodes if expanded: this finishes (within the test's timeout) only because nothing is.
    const deps = definitionDeps('image/bomb/debian-13/1.yaml', loadYamlData(lines.join('\n')));
    expect(deps.packages).toEqual([]);
    expect(() => loadYamlData('a: 1\na: 2\n')).toThrow(YamlDataError);
    try {
      loadYamlData('a: 1\nb: [\n');
    } catch (error) {
      expect(error).toBeInstanceOf(YamlDataError);
      expect((error as YamlDataError).line).toBeGreaterThanOrEqual(2);
    }
    expect(() => loadYamlData('x'.repeat(2 << 20))).toThrow(/larger than/);
  });
});
