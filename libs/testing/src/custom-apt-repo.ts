// Test helper: an APT repository of hand-made packages (any bytes, any stanza: hostile ones
// too), signed by a throwaway gpg key and served on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', 'UTC');

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
      const lines = [`Package: ${name}`, ...fields.map(([k, v]) => `${k}: ${v}`), `Filename: ${filename}`, `Size: ${p.deb.length}`, `SHA256: ${sha256(p.deb)}`];
      stanzas.push({ arch, text: lines.join('\n') });
    }
    const listed: string[] = [];
    for (const arch of archs) {
      const plain = Buffer.from(`${stanzas.filter((s) => s.arch === arch || s.arch === 'all').map((s) => `${s.text}\n`).join('\n')}`);
      const bodies = { [`main/binary-${arch}/Packages`]: plain, [`main/binary-${arch}/Packages.xz`]: execFileSync('xz', ['-c'], { input: plain }) };
      for (const [path, body] of Object.entries(bodies)) {
        const file = join(www, 'dists', suite, path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, body);
        files.set(`/dists/${suite}/${path}`, file);
        listed.push(` ${sha256(body)} ${String(body.length).padStart(9)} ${path}`);
      }
    }
    const now = new Date();
    const release = [
      'Origin: PF Custom Test Repo',
      'Label: PF Custom Test Repo',
      `Suite: ${suite}`,
      `Codename: ${suite}`,
      `Date: ${rfc2822(now)}`,
      `Valid-Until: ${rfc2822(new Date(now.getTime() + 7 * 86_400_000))}`,
      `Architectures: ${archs.join(' ')}`,
      'Components: main',
      'SHA256:',
      ...listed,
      '',
    ].join('\n');
    const dists = join(www, 'dists', suite);
    writeFileSync(join(dists, 'Release'), release);
    const signer = makeSigner(root);
    signer.sign(join(dists, 'Release'), join(dists, 'InRelease'));
    for (const name of ['Release', 'InRelease']) files.set(`/dists/${suite}/${name}`, join(dists, name));

    const server = serve(files);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return {
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      keyringDir: signer.keyringDir,
      keyringName: KEYRING_NAME,
      suite,
      poolPath: (name) => {
        const found = pool.get(name) ?? [];
        if (found.length !== 1) throw new Error(`custom apt repo: ${found.length === 0 ? 'no package' : 'several packages'} named ${name}; give name=version`);
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
  if (archs.length === 0 || !archs.every((a) => ARCH.test(a))) throw new Error(`custom apt repo: architectures ${JSON.stringify(archs)}: give plain names like amd64`);
  return archs;
}

/** The stanza's Package, Version and Architecture, checked (they name the pool file); other fields are served as given. */
function identity(stanza: Record<string, string>, i: number): { name: string; version: string; arch: string } {
  const name = stanza['Package'] ?? '';
  const version = stanza['Version'] ?? '';
  const arch = stanza['Architecture'] ?? '';
  if (!NAME.test(name) || !VERSION.test(version) || !ARCH.test(arch)) throw new Error(`custom apt repo: packages[${i}] needs a Package, Version and Architecture (got ${JSON.stringify([name, version, arch])})`);
  for (const [k, v] of Object.entries(stanza)) {
    if (!FIELD.test(k) || v.includes('\n\n') || v.startsWith('\n')) throw new Error(`custom apt repo: packages[${i}] field ${JSON.stringify(k)} cannot be written into a stanza`);
  }
  return { name, version, arch };
}

/** Serves exactly the files of `files` (URL path → file), read at each request. */
function serve(files: ReadonlyMap<string, string>): Server {
  return createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return void res.writeHead(400).end();
    }
    const file = files.get(path);
    if (req.method !== 'GET' || file === undefined) return void res.writeHead(file === undefined ? 404 : 405).end();
    stat(file).then(
      (st) => {
        res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
        createReadStream(file).pipe(res);
      },
      () => void res.writeHead(404).end(),
    );
  });
}

/** A throwaway signing key in `<root>/gnupg`; its public keyring alone in `<root>/keys`. */
function makeSigner(root: string) {
  const gnupg = join(root, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  chmodSync(gnupg, 0o700);
  const env = { ...process.env, GNUPGHOME: gnupg };
  const gpg = (...args: string[]) =>
    execFileSync('gpg', ['--batch', '--quiet', '--passphrase', '', '--pinentry-mode', 'loopback', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  gpg('--quick-gen-key', 'PF Custom Repo <custom@example.test>', 'ed25519', 'sign', '1d');
  const keyringDir = join(root, 'keys');
  mkdirSync(keyringDir);
  writeFileSync(join(keyringDir, KEYRING_NAME), gpg('--export', 'custom@example.test'));
  return {
    keyringDir,
    sign: (release: string, inRelease: string) => void gpg('--local-user', 'custom@example.test', '--clearsign', '--output', inRelease, release),
    stopAgent: () => {
      try {
        execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore', timeout: 10_000 });
      } catch {
        // no agent running
      }
    },
  };
}
