// The APT repository fixtures of the tests, in one place (issue 16):
// - startTestAptRepo: a repository of three tiny .debs built with dpkg-deb, whose suites are
//   written on demand (signed by the repository key, another key or none; compressed forms;
//   Valid-Until; InRelease and/or Release.gpg) — for the APT clients' signature and index tests;
// - startCustomAptRepo: a repository of hand-made packages (any bytes, any stanza: hostile ones
//   too) — for the build's refusals;
// - the pieces both use and the Debian mirror fixture (debian-mirror-fixture.ts) uses: a
//   throwaway gpg signer, the Packages indexes, the Release text, a server of exactly the
//   repository's files on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Serves exactly the files of `files` (URL path → file, or a function giving the file of a URL
 * path), read at each request; each requested path is pushed to `requests` when given.
 */
export function serveAptFiles(
  files: ReadonlyMap<string, string> | ((path: string) => string | undefined),
  requests?: string[],
): Server {
  return createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return void res.writeHead(400).end();
    }
    requests?.push(path);
    const file = typeof files === 'function' ? files(path) : files.get(path);
    if (req.method !== 'GET' || file === undefined) return void res.writeHead(file === undefined ? 404 : 405).end();
    stat(file).then(
      (st) => {
        if (!st.isFile()) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
        createReadStream(file).pipe(res);
      },
      () => void res.writeHead(404).end(),
    );
  });
}

/**
 * A throwaway signing key for `userId` (`Name <email>`) in `<root>/gnupg`; its public keyring alone in
 * `<root>/keys/<keyringName>`. `sign` writes the clear-signed InRelease and/or, when `detached` is given, a detached Release.gpg.
 */
export function makeAptSigner(root: string, userId: { name: string; email: string }, keyringName: string) {
  const gnupg = join(root, 'gnupg');
  mkdirSync(gnupg, { recursive: true, mode: 0o700 });
  chmodSync(gnupg, 0o700);
  const env = { ...process.env, GNUPGHOME: gnupg };
  const gpg = (...args: string[]) =>
    execFileSync('gpg', ['--batch', '--quiet', '--passphrase', '', '--pinentry-mode', 'loopback', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  gpg('--quick-gen-key', `${userId.name} <${userId.email}>`, 'ed25519', 'sign', '1d');
  const keyringDir = join(root, 'keys');
  mkdirSync(keyringDir);
  writeFileSync(join(keyringDir, keyringName), gpg('--export', userId.email));
  return {
    keyringDir,
    sign: (release: string, inRelease: string | undefined, detached?: string) => {
      if (inRelease !== undefined) gpg('--local-user', userId.email, '--clearsign', '--output', inRelease, release);
      if (detached !== undefined) gpg('--local-user', userId.email, '--detach-sign', '--output', detached, release);
    },
    stopAgent: () => {
      try {
        execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore', timeout: 10_000 });
      } catch {
        // no agent running
      }
    },
  };
}

/**
 * Writes `main/binary-<arch>/Packages` and `Packages.xz` (from `plain`) under `dists` (the suite's directory), adds them to
 * `files` under `/dists/<suite>/…`, and returns their SHA256 lines for the Release file.
 */
export function writePackagesIndexes(
  dists: string,
  suite: string,
  arch: string,
  plain: Buffer,
  files: Map<string, string>,
): string[] {
  const bodies = {
    [`main/binary-${arch}/Packages`]: plain,
    [`main/binary-${arch}/Packages.xz`]: execFileSync('xz', ['-c'], { input: plain, maxBuffer: 256 * 1024 * 1024 }),
  };
  const listed: string[] = [];
  for (const [path, body] of Object.entries(bodies)) {
    const file = join(dists, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
    files.set(`/dists/${suite}/${path}`, file);
    listed.push(` ${sha256(body)} ${String(body.length).padStart(9)} ${path}`);
  }
  return listed;
}

/** The text of a suite's Release file (one `main` component, valid for a week unless `validUntil`) listing the `listed` SHA256 lines. */
export function releaseText(
  label: string,
  suite: string,
  architectures: readonly string[],
  listed: readonly string[],
  validUntil?: Date,
): string {
  const now = new Date();
  const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', 'UTC');
  return [
    `Origin: ${label}`,
    `Label: ${label}`,
    `Suite: ${suite}`,
    `Codename: ${suite}`,
    `Date: ${rfc2822(now)}`,
    `Valid-Until: ${rfc2822(validUntil ?? new Date(now.getTime() + 7 * 86_400_000))}`,
    `Architectures: ${architectures.join(' ')}`,
    'Components: main',
    'SHA256:',
    ...listed,
    '',
  ].join('\n');
}

/**
 * For tests: a real APT repository in a temp dir, two tiny
 * .debs built with dpkg-deb, signed by a throwaway gpg key, served on 127.0.0.1.
 */
export interface TestAptRepo {
  root: string;
  baseUrl: string;
  /** The public key of the signing key, for gpgv. */
  keyring: string;
  /** Another key's public keyring (for "signed by a key not in the keyring"). */
  otherKeyring: string;
  packagesText: string;
  /** Writes dists/<suite> signed by `signer`; see the options. */
  writeSuite(suite: string, o?: SuiteOptions): string;
  close(): Promise<void>;
}

export interface SuiteOptions {
  signer?: 'repo' | 'other' | 'none';
  forms?: ('none' | 'gz' | 'xz' | 'lz4')[];
  validUntil?: Date;
  inRelease?: boolean;
  detached?: boolean;
}

const DEBS = [
  { name: 'hello-pf', version: '1.0-1', depends: 'libc6 (>= 2.34)' },
  { name: 'hello-pf', version: '1.0-2', depends: 'libc6 (>= 2.34)' },
  { name: 'tool-pf', version: '2:0.9~rc1-1', depends: 'hello-pf (= 1.0-2)' },
];

function run(cmd: string, args: string[], input?: Buffer): Buffer {
  return execFileSync(cmd, args, {
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

export async function startTestAptRepo(): Promise<TestAptRepo> {
  const root = mkdtempSync(join(tmpdir(), 'pf-apt-'));
  const signers = {
    repo: makeAptSigner(
      join(root, 'repo-signer'),
      { name: 'PF Test Repo', email: 'repo@example.test' },
      'repo-keyring.gpg',
    ),
    other: makeAptSigner(
      join(root, 'other-signer'),
      { name: 'PF Other', email: 'other@example.test' },
      'other-keyring.gpg',
    ),
  };
  // The keyrings beside the repository (keyringDir: root, as the build's signed-by= names them).
  const keyring = join(root, 'repo-keyring.gpg');
  const otherKeyring = join(root, 'other-keyring.gpg');
  writeFileSync(keyring, readFileSync(join(signers.repo.keyringDir, 'repo-keyring.gpg')));
  writeFileSync(otherKeyring, readFileSync(join(signers.other.keyringDir, 'other-keyring.gpg')));
  // Every file under www is served, also those a test writes or replaces there.
  const www = join(root, 'www');
  const serve = (path: string, data: Buffer) => {
    mkdirSync(dirname(join(www, path)), { recursive: true });
    writeFileSync(join(www, path), data);
  };
  const stanzas: string[] = [];
  for (const d of DEBS) {
    const src = join(root, 'build', `${d.name}-${d.version.replace(':', '_')}`);
    mkdirSync(join(src, 'DEBIAN'), { recursive: true });
    mkdirSync(join(src, 'usr/share/doc', d.name), { recursive: true });
    writeFileSync(join(src, 'usr/share/doc', d.name, 'README'), `${d.name} ${d.version}\n`);
    const control = `Package: ${d.name}\nVersion: ${d.version}\nArchitecture: amd64\nMaintainer: PF <pf@example.test>\nDepends: ${d.depends}\nDescription: test package\n a tiny package for the APT client tests\n`;
    writeFileSync(join(src, 'DEBIAN/control'), control);
    const filename = `pool/main/${d.name[0]}/${d.name}/${d.name}_${d.version.replace(/^\d+:/, '')}_amd64.deb`;
    const debFile = join(root, 'build', `${d.name}-${d.version.replace(':', '_')}.deb`);
    run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', src, debFile]);
    const deb = readFileSync(debFile);
    serve(filename, deb);
    stanzas.push(`${control}Filename: ${filename}\nSize: ${deb.length}\nSHA256: ${sha256(deb)}\n`);
  }
  const packagesText = stanzas.join('\n');

  const server = serveAptFiles((path) => (path.split('/').includes('..') ? undefined : join(www, path)));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const writeSuite = (suite: string, o: SuiteOptions = {}) => {
    const dir = join(www, 'dists', suite);
    const plain = Buffer.from(packagesText);
    const bodies: Record<string, Buffer> = {
      none: plain,
      gz: gzipSync(plain),
      xz: run('xz', ['-c'], plain),
      lz4: run('lz4', ['-c', '-q'], plain),
    };
    const suffix: Record<string, string> = { none: '', gz: '.gz', xz: '.xz', lz4: '.lz4' };
    const lines: string[] = [];
    for (const form of o.forms ?? ['none', 'gz', 'xz']) {
      const body = bodies[form] as Buffer;
      const name = `main/binary-amd64/Packages${suffix[form] ?? ''}`;
      serve(`dists/${suite}/${name}`, body);
      lines.push(` ${sha256(body)} ${String(body.length).padStart(8)} ${name}`);
    }
    serve(`dists/${suite}/Release`, Buffer.from(releaseText('PF Test', suite, ['amd64'], lines, o.validUntil)));
    const signer = o.signer ?? 'repo';
    if (signer !== 'none') {
      const inRelease = o.inRelease ?? true;
      const detached = o.detached ?? true;
      signers[signer].sign(
        join(dir, 'Release'),
        inRelease ? join(dir, 'InRelease') : undefined,
        detached ? join(dir, 'Release.gpg') : undefined,
      );
    }
    return dir;
  };

  return {
    root,
    baseUrl,
    keyring,
    otherKeyring,
    packagesText,
    writeSuite,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      // gpg-agents started by gpg: stop them before their homes go away.
      signers.repo.stopAgent();
      signers.other.stopAgent();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface CustomAptPackage {
  /** The .deb as served (its Size and SHA256 go into the index). */
  deb: Buffer;
  /** Package, Version, Architecture (`all` goes into every architecture's index), Depends…; Filename, Size and SHA256 are computed. */
  stanza: Record<string, string>;
}

export interface CustomAptRepoOptions {
  /** Default `bookworm`. */
  suite?: string;
  packages: CustomAptPackage[];
  /** Default: the packages' own architectures (not `all`), else amd64. */
  architectures?: string[];
}

export interface CustomAptRepo {
  /** The repository root, e.g. http://127.0.0.1:41234 (dists/<suite>/… and pool/… below it). */
  baseUrl: string;
  /** A directory holding only the repository's public keyring. */
  keyringDir: string;
  /** The keyring's file name in keyringDir (for signed-by=). */
  keyringName: string;
  suite: string;
  /** The served file of a package (`name`, or `name=version` when several versions are there): overwrite it to tamper with the repository after signing. */
  poolPath(name: string): string;
  close(): Promise<void>;
}

const KEYRING_NAME = 'pf-custom-repo.gpg';
const NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^[A-Za-z0-9.+~:-]+$/;
const ARCH = /^[a-z0-9][a-z0-9-]*$/;
const FIELD = /^[A-Za-z][A-Za-z0-9-]*$/;
const COMPUTED = new Set(['Filename', 'Size', 'SHA256']);

/** Writes the repository into a temp dir, signs its Release and serves it. */
export async function startCustomAptRepo(opts: CustomAptRepoOptions): Promise<CustomAptRepo> {
  const suite = opts.suite ?? 'bookworm';
  const archs = architecturesOf(opts);
  const root = mkdtempSync(join(tmpdir(), 'pf-custom-repo-'));
  try {
    const www = join(root, 'www');
    const files = new Map<string, string>();
    const pool = new Map<string, string[]>();
    const stanzas: { arch: string; text: string }[] = [];
    for (const [i, p] of opts.packages.entries()) {
      const { name, version, arch } = identity(p.stanza, i);
      const filename = `pool/main/${name}/${name}_${version.replace(/^\d+:/, '')}_${arch}-${i}.deb`;
      mkdirSync(dirname(join(www, filename)), { recursive: true });
      writeFileSync(join(www, filename), p.deb);
      files.set(`/${filename}`, join(www, filename));
      for (const key of [name, `${name}=${version}`]) pool.set(key, [...(pool.get(key) ?? []), join(www, filename)]);
      const fields = Object.entries(p.stanza).filter(([k]) => k !== 'Package' && !COMPUTED.has(k));
      const lines = [
        `Package: ${name}`,
        ...fields.map(([k, v]) => `${k}: ${v}`),
        `Filename: ${filename}`,
        `Size: ${p.deb.length}`,
        `SHA256: ${sha256(p.deb)}`,
      ];
      stanzas.push({ arch, text: lines.join('\n') });
    }
    const listed: string[] = [];
    for (const arch of archs) {
      const plain = Buffer.from(
        `${stanzas
          .filter((s) => s.arch === arch || s.arch === 'all')
          .map((s) => `${s.text}\n`)
          .join('\n')}`,
      );
      listed.push(...writePackagesIndexes(join(www, 'dists', suite), suite, arch, plain, files));
    }
    const release = releaseText('PF Custom Test Repo', suite, archs, listed);
    const dists = join(www, 'dists', suite);
    writeFileSync(join(dists, 'Release'), release);
    const signer = makeAptSigner(root, { name: 'PF Custom Repo', email: 'custom@example.test' }, KEYRING_NAME);
    signer.sign(join(dists, 'Release'), join(dists, 'InRelease'));
    for (const name of ['Release', 'InRelease']) files.set(`/dists/${suite}/${name}`, join(dists, name));

    const server = serveAptFiles(files);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return {
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      keyringDir: signer.keyringDir,
      keyringName: KEYRING_NAME,
      suite,
      poolPath: (name) => {
        const found = pool.get(name) ?? [];
        if (found.length !== 1)
          throw new Error(
            `custom apt repo: ${found.length === 0 ? 'no package' : 'several packages'} named ${name}; give name=version`,
          );
        return found[0] as string;
      },
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((ok) => server.close(() => ok()));
        signer.stopAgent();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

function architecturesOf(opts: CustomAptRepoOptions): string[] {
  const own = opts.packages.map((p) => p.stanza['Architecture'] ?? '').filter((a) => a !== 'all' && a !== '');
  const archs = [...new Set(opts.architectures ?? (own.length > 0 ? own : ['amd64']))];
  if (archs.length === 0 || !archs.every((a) => ARCH.test(a)))
    throw new Error(`custom apt repo: architectures ${JSON.stringify(archs)}: give plain names like amd64`);
  return archs;
}

/** The stanza's Package, Version and Architecture, checked (they name the pool file); other fields are served as given. */
function identity(stanza: Record<string, string>, i: number): { name: string; version: string; arch: string } {
  const name = stanza['Package'] ?? '';
  const version = stanza['Version'] ?? '';
  const arch = stanza['Architecture'] ?? '';
  if (!NAME.test(name) || !VERSION.test(version) || !ARCH.test(arch))
    throw new Error(
      `custom apt repo: packages[${i}] needs a Package, Version and Architecture (got ${JSON.stringify([name, version, arch])})`,
    );
  for (const [k, v] of Object.entries(stanza)) {
    if (!FIELD.test(k) || v.includes('\n\n') || v.startsWith('\n'))
      throw new Error(`custom apt repo: packages[${i}] field ${JSON.stringify(k)} cannot be written into a stanza`);
  }
  return { name, version, arch };
}
