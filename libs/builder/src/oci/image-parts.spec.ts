import type { Definition } from '@patch-factory/definitions';
import { expectFailure } from '../expect-pipeline-error.fixture';
import type { TarEntry } from '@patch-factory/oci';
import { buildLayer } from './layer';
import { writeDpkgDatabase } from '../rootfs/dpkg-status';
import { RootFs } from '../rootfs/rootfs';
import { writeCaBundle } from '../rootfs/ca-bundle';
import { DEFAULT_PATH, debianArchitecture, definitionRunConfig } from './definition-config';
import { planLayers } from './layer-plan';

const entry = (path: string, type: TarEntry['type'], extra: Partial<TarEntry> = {}): TarEntry => ({
  path,
  type,
  mode: type === 'dir' ? 0o755 : 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  data: Buffer.alloc(0),
  ...extra,
});
const file = (path: string, text: string) => entry(path, 'file', { data: Buffer.from(text) });
const control = (name: string, version = '1.0-1') => [
  file('control', `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\nDescription: ${name}\n`),
];

function install(rootfs: RootFs, name: string, files: TarEntry[], version = '1.0-1'): void {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  rootfs.addPackage(
    name,
    version,
    'amd64',
    [entry('.', 'dir'), ...[...dirs].sort().map((d) => entry(d, 'dir')), ...files],
    control(name, version),
  );
}

const PEM = (n: number) => `-----BEGIN CERTIFICATE-----\nMIIB${n}\n-----END CERTIFICATE-----`;

describe('writeCaBundle', () => {
  it('writes the bundle, the conf file and the .pem links from the shipped certificates, in sorted order', () => {
    const rootfs = new RootFs();
    install(rootfs, 'ca-certificates', [
      file('usr/share/ca-certificates/mozilla/B_Root.crt', `${PEM(2)}\n`),
      file('usr/share/ca-certificates/mozilla/A_Root.crt', PEM(1)),
      file('usr/share/ca-certificates/mozilla/README', 'not a certificate'),
      file('usr/share/ca-certificates/mozilla/Junk.crt', 'garbage'),
    ]);
    const result = writeCaBundle(rootfs);
    expect(result).toEqual({
      certificates: ['mozilla/A_Root.crt', 'mozilla/B_Root.crt'],
      skipped: ['mozilla/Junk.crt'],
    });
    expect(rootfs.get('etc/ssl/certs/ca-certificates.crt')?.data.toString()).toBe(`${PEM(1)}\n${PEM(2)}\n`);
    expect(rootfs.get('etc/ssl/certs/A_Root.pem')).toMatchObject({
      type: 'symlink',
      linkTarget: '/usr/share/ca-certificates/mozilla/A_Root.crt',
    });
    expect(rootfs.get('etc/ca-certificates.conf')?.data.toString()).toContain(
      '\nmozilla/A_Root.crt\nmozilla/B_Root.crt\n',
    );
  });

  it('does nothing without certificates', () => {
    const rootfs = new RootFs();
    expect(writeCaBundle(rootfs)).toBeUndefined();
    expect(rootfs.get('etc/ssl/certs/ca-certificates.crt')).toBeUndefined();
  });
});

describe('definitionRunConfig', () => {
  const def: Definition = {
    accounts: { 'run-as': 'nonroot', users: [{ name: 'nonroot', uid: 65532, gid: 65533 }] },
    environment: { SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt' },
    entrypoint: ['/usr/bin/redis-server'],
    cmd: ['--port', '6379'],
    'work-dir': '/data',
    ports: ['6379', '53/udp'],
    'stop-signal': 'SIGTERM',
    labels: { team: 'platform' },
  };

  it('maps the definition onto the image config, run-as as numeric uid:gid', () => {
    expect(definitionRunConfig(def, 'redis.yaml')).toEqual({
      User: '65532:65533',
      Env: ['SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt', `PATH=${DEFAULT_PATH}`],
      Entrypoint: ['/usr/bin/redis-server'],
      Cmd: ['--port', '6379'],
      WorkingDir: '/data',
      ExposedPorts: { '6379/tcp': {}, '53/udp': {} },
      StopSignal: 'SIGTERM',
      Labels: { team: 'platform' },
    });
  });

  it('keeps a PATH the definition sets, and takes root and numeric users as they are', () => {
    expect(definitionRunConfig({ environment: { PATH: '/opt/bin' }, accounts: { 'run-as': 'root' } }, 'x').Env).toEqual(
      ['PATH=/opt/bin'],
    );
    expect(definitionRunConfig({ accounts: { 'run-as': 'root' } }, 'x').User).toBe('0:0');
    expect(definitionRunConfig({ accounts: { 'run-as': '1000' } }, 'x').User).toBe('1000:1000');
  });

  it.each([
    [{ accounts: { 'run-as': 'ghost' } }, 'accounts.run-as: user "ghost" is not in accounts.users'],
    [{ ports: ['99999'] }, 'ports: "99999"'],
    [{ ports: ['80/http'] }, 'ports: "80/http"'],
    [{ 'stop-signal': 'TERM; rm -rf /' }, 'stop-signal'],
    [{ 'work-dir': 'data' }, 'work-dir: "data" is not an absolute path'],
    [{ environment: { 'A=B': 'x' } }, 'environment: "A=B"'],
  ] as [Definition, string][])('refuses %j naming the field', (bad, fragment) => {
    expectFailure(() => definitionRunConfig(bad, 'bad.yaml'), 'build-image-invalid', fragment);
  });

  it('knows Debian architectures of platforms and refuses others, __proto__ included', () => {
    expect(debianArchitecture('linux/arm64')).toBe('arm64');
    expect(debianArchitecture('linux/amd64')).toBe('amd64');
    expectFailure(() => debianArchitecture('__proto__'), 'build-image-invalid', '__proto__');
    expectFailure(() => debianArchitecture('windows/amd64'), 'build-image-invalid', 'windows/amd64');
  });
});

describe('planLayers', () => {
  function image(libVersion: string): RootFs {
    const rootfs = new RootFs();
    install(rootfs, 'app', [
      file('usr/bin/app', 'app'),
      entry('usr/bin/app-link', 'hardlink', { linkTarget: 'usr/lib/liba.so' }),
    ]);
    install(rootfs, 'liba', [file('usr/lib/liba.so', `liba ${libVersion}`)], libVersion);
    install(rootfs, 'base', [file('etc/hostname', 'x')]);
    writeDpkgDatabase(rootfs);
    rootfs.put(file('etc/motd', 'hello'), 'test');
    return rootfs;
  }
  const digests = (rootfs: RootFs) =>
    Object.fromEntries(planLayers(rootfs).map((l) => [l.name, buildLayer(l.entries, 0).digest]));

  it('puts each package (with its dpkg info files and parent directories) in a layer of its own, the rest last', () => {
    const layers = planLayers(image('1'));
    expect(layers.map((l) => l.name)).toEqual(['app', 'base', 'liba', 'image']);
    const app = layers[0]?.entries.map((e) => e.path);
    expect(app).toEqual(expect.arrayContaining(['usr', 'usr/bin', 'usr/bin/app', 'var/lib/dpkg/info/app.list']));
    expect(app).not.toContain('usr/lib/liba.so');
    const last = layers[3]?.entries.map((e) => e.path) ?? [];
    expect(last).toEqual(expect.arrayContaining(['etc/motd', 'var/lib/dpkg/status', 'bin']));
    expect(last).not.toContain('usr/bin/app');
    // Every path of the image is in some layer.
    const all = new Set(layers.flatMap((l) => l.entries.map((e) => e.path)));
    for (const e of image('1').entries()) expect(all.has(e.path)).toBe(true);
  });

  it('writes a hard link whose target is in another layer as a copy of the file', () => {
    const app = planLayers(image('1'))[0]?.entries.find((e) => e.path === 'usr/bin/app-link');
    expect(app).toMatchObject({ type: 'file' });
    expect(app?.data.toString()).toBe('liba 1');
  });

  it('keeps the digests of unchanged packages when one package changes', () => {
    const before = digests(image('1'));
    const after = digests(image('2'));
    expect(after['base']).toBe(before['base']);
    expect(after['liba']).not.toBe(before['liba']);
    expect(after['image']).not.toBe(before['image']); // the status database names the new version
  });

  it('squashes into one layer on request, and buckets many packages by name hash', () => {
    expect(planLayers(image('1'), { output: 'squashed' }).map((l) => l.name)).toEqual(['image (squashed)']);
    const names = planLayers(image('1'), { maxPackageLayers: 2 }).map((l) => l.name);
    expect(names.filter((n) => n.startsWith('bucket-')).length).toBeLessThanOrEqual(2);
    expect(names.at(-1)).toBe('image');
  });
});
