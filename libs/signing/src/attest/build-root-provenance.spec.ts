import { fakeImage, packagesJson } from '../signing.fixture';
import { parsePackagesJson, resolvedBuildPackages, resolvedPackages, type PackagesJson } from './packages-json';
import { BUILD_ROOT_DEPENDENCY, slsaProvenance } from './slsa-provenance';

const image = fakeImage('build-roots');
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

const deb = (name: string, arch: string, hex: string) => ({
  name,
  version: '1.0-1',
  architecture: arch,
  sha256: hex.repeat(64),
  size: 1234,
  url: `http://127.0.0.1:8080/debian/pool/main/${name[0]}/${name}/${name}_1.0-1_${arch}.deb`,
  neededBy: name,
});

/** packages.json of a two-platform build with two build roots; `gcc` is in both roots, on both platforms. */
function withBuildRoots(): PackagesJson {
  const base = packagesJson(image.digest, 2);
  base.platforms = base.platforms.map((p) => {
    const arch = p.platform.split('/')[1] as string;
    return {
      ...p,
      buildRoots: [
        {
          build: 'contents.builds[0]',
          packages: [deb('gcc', arch, arch === 'amd64' ? 'a' : 'b'), deb('make', arch, arch === 'amd64' ? 'c' : 'd')],
        },
        { build: 'contents.builds[1]', packages: [deb('gcc', arch, arch === 'amd64' ? 'a' : 'b')] },
      ],
    };
  });
  return base;
}

describe('build-root packages in packages.json and the provenance', () => {
  it('lists every build-root .deb with its URL and sha256, marked build-time, after the image packages', () => {
    const parsed = parsePackagesJson(JSON.stringify(withBuildRoots()), 'run/packages.json', image.digest);
    const runtime = resolvedPackages(parsed);
    const build = resolvedBuildPackages(parsed);
    expect(build.map((p) => `${p.name}_${p.architecture} ${p.buildRoots.join(',')} ${p.platforms.join(',')}`)).toEqual([
      'gcc_amd64 contents.builds[0],contents.builds[1] linux/amd64',
      'gcc_arm64 contents.builds[0],contents.builds[1] linux/arm64',
      'make_amd64 contents.builds[0] linux/amd64',
      'make_arm64 contents.builds[0] linux/arm64',
    ]);
    // The image's own packages do not take in the build roots' (the SBOM and the scan describe the image).
    expect(runtime.map((p) => p.name)).not.toContain('gcc');

    const prov = slsaProvenance({
      builderId: 'https://patch-factory.example/builder',
      definition: { path: 'image/x/debian-12/x.yaml', repository: 'https://git.example/catalog.git', commit: COMMIT },
      platforms: ['linux/amd64', 'linux/arm64'],
      packages: runtime,
      buildPackages: build,
      runId: 'run-1',
      startedOn: '2026-11-25T10:00:00Z',
      finishedOn: '2026-11-25T10:05:00Z',
    });
    const deps = prov.buildDefinition.resolvedDependencies;
    expect(deps).toHaveLength(1 + runtime.length + build.length);
    const buildDeps = deps.filter((d) => d.annotations?.['dependencyType'] === BUILD_ROOT_DEPENDENCY);
    expect(buildDeps).toEqual(
      build.map((p) => ({
        uri: p.url,
        name: `${p.name}_${p.version}_${p.architecture}`,
        digest: { sha256: p.sha256 },
        annotations: { platforms: p.platforms, dependencyType: 'build-root', buildRoots: p.buildRoots },
      })),
    );
    for (const d of deps.slice(1, 1 + runtime.length)) expect(d.annotations?.['dependencyType']).toBeUndefined();
  });

  it('reads a packages.json of an older build (no buildRoots) as having none', () => {
    const old = packagesJson(image.digest, 2) as unknown as { platforms: Record<string, unknown>[] };
    for (const p of old.platforms) delete p['buildRoots'];
    const parsed = parsePackagesJson(JSON.stringify(old), 'run/packages.json');
    expect(parsed.platforms.map((p) => p.buildRoots)).toEqual([[], []]);
    expect(resolvedBuildPackages(parsed)).toEqual([]);
  });

  it('refuses hostile build roots, naming where', () => {
    const bad = (mutate: (root: Record<string, unknown>) => void) => {
      const doc = withBuildRoots();
      mutate(doc.platforms[1]?.buildRoots[0] as unknown as Record<string, unknown>);
      return () => parsePackagesJson(JSON.stringify(doc), 'run/packages.json');
    };
    expect(bad((r) => (r['build'] = '../etc'))).toThrow(
      'run/packages.json: platforms[1].buildRoots[0]: build "../etc" is not contents.builds[<n>]',
    );
    expect(bad((r) => (r['packages'] = 'gcc'))).toThrow('run/packages.json: platforms[1].buildRoots[0]: packages is');
    expect(
      bad((r) => ((r['packages'] as Record<string, unknown>[])[1] = { ...deb('make', 'arm64', 'd'), sha256: 'nope' })),
    ).toThrow('run/packages.json: platforms[1].buildRoots[0].packages[1]: make: sha256 "nope" is not 64 lowercase hex');
    expect(
      bad(
        (r) =>
          ((r['packages'] as Record<string, unknown>[])[0] = {
            ...deb('gcc', 'arm64', 'b'),
            url: 'http://user:pw@127.0.0.1/gcc.deb',
          }),
      ),
    ).toThrow('gcc: url');
    const many = withBuildRoots();
    (many.platforms[0] as { buildRoots: unknown }).buildRoots = 'x';
    expect(() => parsePackagesJson(JSON.stringify(many), 'run/packages.json')).toThrow('platforms[0]: buildRoots is');
  });
});
