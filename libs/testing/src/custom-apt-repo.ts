// Test helper: an APT repository of hand-made packages (any bytes, any stanza: hostile ones
// too), signed by a throwaway gpg key and served on 127.0.0.1.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeAptSigner, releaseText, serveAptFiles, writePackagesIndexes } from './apt-repo-writer';

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
