import { existsSync, lstatSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACCEPTED_NAMES,
  UnpackedRoots,
  buildAccepted,
  firstTag,
  layoutIndex,
  type AcceptedName,
  type BuiltExample,
} from './accepted-images.fixture';
import {
  dpkgQuery,
  inBwrap,
  inChroot,
  ok,
  skopeoCopy,
  skopeoInspect,
  tool,
  umociUnpack,
} from './accepted-tools.fixture';
import { startExampleMirror, tempDir, type ExampleMirror } from './example.fixture';

/**
 * The built examples as other tools see them: skopeo and umoci read the layouts, the unpacked
 * roots run under bubblewrap and unshare/chroot, and the host's dpkg-query and openssl read
 * their package database and certificates. redis and static-dev are built for linux/amd64,
 * static for linux/amd64 and linux/arm64 (examples-build.spec.ts checks the builds themselves).
 */

jest.setTimeout(300_000);

let mirror: ExampleMirror;
let work: string;
let built: Map<AcceptedName, BuiltExample>;
let roots: UnpackedRoots;

beforeAll(async () => {
  mirror = await startExampleMirror();
  work = tempDir('pf-accepted-');
  built = await buildAccepted(mirror, work);
  roots = new UnpackedRoots(built, work);
});
afterAll(async () => {
  await mirror?.fixture.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const image = (name: AcceptedName): BuiltExample => {
  const b = built.get(name);
  if (!b) throw new Error(`${name} was not built`);
  return b;
};
const resolved = (name: AcceptedName, i = 0) =>
  (image(name).result.platforms[i]?.packages ?? []).map((p) => `${p.name} ${p.version}`).sort();
const SINGLE: AcceptedName[] = ['redis', 'static-dev'];

describe('skopeo reads the built layouts', () => {
  it.each(ACCEPTED_NAMES)(
    "%s: tagged with the definition's first tag; skopeo inspect names the image by its digest",
    async (name) => {
      const b = image(name);
      expect(layoutIndex(b.layout).top.annotations?.['org.opencontainers.image.ref.name']).toBe(firstTag(name));
      const seen = await skopeoInspect(b.layout, b.tag);
      expect({ digest: seen.Digest, arch: seen.Architecture, os: seen.Os }).toEqual({
        digest: b.result.digest,
        arch: 'amd64',
        os: 'linux',
      });
      expect(seen.Layers).toHaveLength(b.result.platforms[0]?.layers.length ?? -1);
    },
  );

  it('static: --override-arch arm64 picks the arm64 image of the two-platform index', async () => {
    const b = image('static');
    const [amd64, arm64] = [await skopeoInspect(b.layout, b.tag), await skopeoInspect(b.layout, b.tag, 'arm64')];
    expect({ digest: arm64.Digest, arch: arm64.Architecture, os: arm64.Os }).toEqual({
      digest: b.result.digest,
      arch: 'arm64',
      os: 'linux',
    });
    expect(layoutIndex(b.layout).manifests.map((m) => m.platform?.architecture)).toEqual(['amd64', 'arm64']);
    expect(arm64.Layers).toHaveLength(b.result.platforms[1]?.layers.length ?? -1);
    expect(arm64.Layers).not.toEqual(amd64.Layers); // base-files is built per architecture
  });

  it.each(SINGLE)(
    '%s: skopeo copy re-reads every blob into another layout, the platform manifest unchanged',
    async (name) => {
      const b = image(name);
      const copy = join(work, 'copies', name);
      await skopeoCopy(b.layout, b.tag, copy, 'x');
      const [src, dst] = [await skopeoInspect(b.layout, b.tag), await skopeoInspect(copy, 'x')];
      expect(dst.Digest).toBe(layoutIndex(b.layout).manifests[0]?.digest); // one image, out of its index
      expect(dst.Layers).toEqual(src.Layers);
    },
  );

  it('static: skopeo copy --all copies both platforms blob for blob and keeps the index digest', async () => {
    const b = image('static');
    const copy = join(work, 'copies', 'static-all');
    await skopeoCopy(b.layout, b.tag, copy, 'x', { all: true });
    expect((await skopeoInspect(copy, 'x', 'arm64')).Digest).toBe(b.result.digest);
    const blobs = (dir: string) => readdirSync(join(dir, 'blobs', 'sha256')).sort();
    expect(blobs(copy)).toEqual(blobs(b.layout));
  });
});

describe('umoci unpacks them into runtime bundles', () => {
  it.each(SINGLE)('%s: unpacked from its one-platform index, the manifest it chose in the mtree name', async (name) => {
    const bundle = await roots.bundle(name);
    const manifest = layoutIndex(image(name).layout).manifests[0]?.digest ?? '';
    expect(readdirSync(bundle).sort()).toEqual([
      'config.json',
      'rootfs',
      `${manifest.replace(':', '_')}.mtree`,
      'umoci.json',
    ]);
    expect(existsSync(join(bundle, 'rootfs', 'usr', 'lib', 'os-release'))).toBe(true);
  });

  it('refuses the two-platform static layout (tag is ambiguous); each platform copied out by skopeo unpacks', async () => {
    const b = image('static');
    const refused = await umociUnpack(b.layout, b.tag, join(work, 'bundles', 'static-both'));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`tag is ambiguous: ${b.tag}`);
    expect(existsSync(join(work, 'bundles', 'static-both', 'rootfs'))).toBe(false);
    const arches = async (arch: string) =>
      new Set(await dpkgQuery(await roots.rootfs('static', arch), '${Architecture}\n'));
    expect(await arches('amd64')).toEqual(new Set(['all', 'amd64']));
    expect(await arches('arm64')).toEqual(new Set(['all', 'arm64']));
  });

  it('redis: the runtime config runs /usr/bin/redis-server as 65532:65532 in /data', async () => {
    const config = JSON.parse(readFileSync(join(await roots.bundle('redis'), 'config.json'), 'utf8')) as {
      process: { user: { uid: number; gid: number }; args: string[]; cwd: string };
    };
    expect(config.process.user).toEqual({ uid: 65532, gid: 65532 });
    expect(config.process.args).toEqual(['/usr/bin/redis-server', '--protected-mode', 'no']);
    expect(config.process.cwd).toBe('/data');
  });
});

describe('the unpacked roots run', () => {
  it('redis-server --version under bubblewrap (every namespace unshared)', async () => {
    const res = await inBwrap(await roots.rootfs('redis'), ['/usr/bin/redis-server', '--version']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^Redis server v=7\.0\.\d+ /);
  });

  it('redis-server --version under unshare --net --pid --fork --mount chroot', async () => {
    const res = await inChroot(await roots.rootfs('redis'), ['/usr/bin/redis-server', '--version']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^Redis server v=7\.0\.\d+ /);
  });

  it('static-dev: /bin/sh runs a script, and its own dpkg -l lists what the build installed', async () => {
    const rootfs = await roots.rootfs('static-dev');
    const sh = await inBwrap(rootfs, ['/bin/sh', '-c', 'echo ok; ls /usr/bin | wc -l']);
    expect(sh).toMatchObject({ code: 0, stderr: '' });
    const [first, count] = sh.stdout.trim().split('\n');
    expect(first).toBe('ok');
    expect(Number(count)).toBeGreaterThan(50);
    const dpkg = await inBwrap(rootfs, ['/usr/bin/dpkg', '--admindir=/var/lib/dpkg', '-l']);
    expect(dpkg).toMatchObject({ code: 0, stderr: '' });
    const listed = dpkg.stdout
      .split('\n')
      .filter((l) => l.startsWith('ii '))
      .map((l) =>
        l
          .split(/\s+/)
          .slice(1, 3)
          .join(' ')
          .replace(/:amd64 /, ' '),
      );
    expect(listed.sort()).toEqual(resolved('static-dev'));
  });
});

describe('what scanners and programs read in the roots', () => {
  it.each(ACCEPTED_NAMES)("%s: the host's dpkg-query lists exactly the packages the build resolved", async (name) => {
    expect(await dpkgQuery(await roots.rootfs(name))).toEqual(resolved(name));
    if (name === 'static') expect(await dpkgQuery(await roots.rootfs(name, 'arm64'))).toEqual(resolved(name, 1));
  });

  it.each(ACCEPTED_NAMES)(
    '%s: the certificates bundle holds the Mozilla roots, and openssl verifies a shipped one against it',
    async (name) => {
      const rootfs = await roots.rootfs(name);
      const bundle = join(rootfs, 'etc', 'ssl', 'certs', 'ca-certificates.crt');
      expect(readFileSync(bundle, 'utf8').match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0).toBeGreaterThan(100);
      const out = await ok('openssl', [
        'verify',
        '-CAfile',
        bundle,
        join(rootfs, 'usr', 'share', 'ca-certificates', 'mozilla', 'ISRG_Root_X1.crt'),
      ]);
      expect(out.trim()).toMatch(/ISRG_Root_X1\.crt: OK$/);
    },
  );

  it.each(ACCEPTED_NAMES)('%s: /etc/passwd has nonroot 65532, os-release says bookworm, /tmp is 1777', async (name) => {
    const rootfs = await roots.rootfs(name);
    expect(readFileSync(join(rootfs, 'etc', 'passwd'), 'utf8')).toMatch(/^nonroot:x:65532:65532:/m);
    expect(readFileSync(join(rootfs, 'etc', 'os-release'), 'utf8')).toMatch(/^VERSION_CODENAME="?bookworm"?$/m);
    expect(lstatSync(join(rootfs, 'tmp')).mode & 0o7777).toBe(0o1777);
  });

  it('redis runtime: no shell, no dpkg or apt; /data belongs to 65532', async () => {
    const rootfs = await roots.rootfs('redis');
    for (const p of ['bin/sh', 'usr/bin/sh', 'usr/bin/dash', 'usr/bin/bash', 'usr/bin/dpkg'])
      expect([p, existsSync(join(rootfs, p))]).toEqual([p, false]);
    expect(readdirSync(join(rootfs, 'usr', 'bin')).filter((f) => f.startsWith('apt'))).toEqual([]);
    const data = lstatSync(join(rootfs, 'data'));
    expect({ dir: data.isDirectory(), uid: data.uid, gid: data.gid }).toEqual({ dir: true, uid: 65532, gid: 65532 });
  });

  // The database says its format (var/lib/dpkg/info/format = 1): without it dpkg reads the legacy
  // format and looks for `libc6.list`, not the `libc6:amd64.list` written for Multi-Arch: same.
  it('static-dev: dpkg --audit finds the database whole, and files map to their packages', async () => {
    const audit = await inBwrap(await roots.rootfs('static-dev'), ['/usr/bin/dpkg', '--audit']);
    expect(audit).toEqual({ code: 0, stdout: '', stderr: '' });
    // What scanners mapping files to packages ask.
    const owner = await tool('dpkg-query', [
      `--admindir=${await roots.rootfs('static-dev')}/var/lib/dpkg`,
      '-S',
      '/lib/x86_64-linux-gnu/libc.so.6',
    ]);
    expect(owner.stdout).toBe('libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6\n');
  });
});
