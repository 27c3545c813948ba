// Test helper: a local APT mirror of a few real Debian 12 packages (and their dependencies),
// downloaded once from deb.debian.org into a persistent cache, re-signed with a throwaway key
// and served on 127.0.0.1.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError, RetryableError, TerminalError } from '@patch-factory/contracts';
import {
  buildPackageIndex,
  decompress,
  fetchRelease,
  httpGet,
  parsePackages,
  type AptRepositoryOptions,
  type SignedRelease,
} from '@patch-factory/debian';
import { resolvePackages } from '@patch-factory/builder';
import { makeAptSigner, releaseText, serveAptFiles, writePackagesIndexes } from './apt-repo-fixture';
import { repoRoot } from './repo-root';

export interface DebianMirrorFixtureOptions {
  /** contents.packages-style names (`!name` excludes); the mirror holds their closed set. */
  packages: string[];
  architectures: string[];
  suite?: 'bookworm';
}

export interface DebianMirrorFixture {
  /** The mirror's root, e.g. http://127.0.0.1:41234 (dists/bookworm/… and pool/… below it). */
  baseUrl: string;
  /** A directory holding only the mirror's public keyring. */
  keyringDir: string;
  /** The keyring's file name in keyringDir (for signed-by=). */
  keyringName: string;
  suite: string;
  /** The packages of the mirror for `arch`, sorted. */
  packageNames(arch: string): string[];
  /** What this start fetched from deb.debian.org: nothing when the cache already had it all. */
  upstream: { releases: number; indexes: number; debs: number; bytes: number };
  /** The paths the mirror was asked for, in order (`/pool/main/…`). */
  requests: string[];
  close(): Promise<void>;
}

const DEBIAN = 'https://deb.debian.org/debian';
const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const KEYRING_NAME = 'pf-test-mirror.gpg';
const FORMAT = 1;
const NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const ARCH = /^[a-z0-9][a-z0-9-]*$/;
const HEX = /^[0-9a-f]{64}$/;
const DEB_BASENAME = /^[A-Za-z0-9][A-Za-z0-9._+~-]*\.deb$/;
const LOCK_WAIT_MS = 15 * 60_000;

/** One package of the mirror: its real stanza and where its .deb was. */
interface Chosen {
  name: string;
  sha256: string;
  size: number;
  filename: string;
  stanza: string;
}

/** What one architecture's selection is, as cached in `<cache>/selections/`. */
interface Selection {
  format: number;
  suite: string;
  arch: string;
  packages: string[];
  day: string;
  packagesSha256: string;
  chosen: Chosen[];
}

type Upstream = DebianMirrorFixture['upstream'];

/**
 * Starts the mirror. The first start of a day resolves `packages` for each architecture
 * against the real bookworm main index (InRelease verified with the Debian archive keyring,
 * Packages.xz checked against it) and downloads the missing .debs (checked against the index)
 * into PF_TEST_DEB_CACHE (default `<repo>/.cache/test-debs`); later starts that day use the
 * cache with no network at all (and, when the archive cannot be reached, the latest earlier
 * selection in the cache). The Packages stanzas are the real ones, with Filename pointing
 * at the mirror's pool.
 */
export async function startDebianMirrorFixture(opts: DebianMirrorFixtureOptions): Promise<DebianMirrorFixture> {
  const suite = opts.suite ?? 'bookworm';
  if (opts.architectures.length === 0 || !opts.architectures.every((a) => ARCH.test(a)))
    throw new TerminalError(
      'test-mirror-options',
      `architectures ${JSON.stringify(opts.architectures)}: give plain names like amd64`,
    );
  if (opts.packages.length === 0)
    throw new TerminalError('test-mirror-options', 'packages is empty: name at least one package');
  const cacheDir = process.env['PF_TEST_DEB_CACHE'] || join(repoRoot(), '.cache', 'test-debs');
  const upstream: Upstream = { releases: 0, indexes: 0, debs: 0, bytes: 0 };
  const release = lazyRelease(suite, upstream);
  const selections = new Map<string, Selection>();
  for (const arch of [...new Set(opts.architectures)]) {
    selections.set(arch, await selectionFor({ cacheDir, suite, arch, packages: opts.packages, release, upstream }));
  }

  const root = mkdtempSync(join(tmpdir(), 'pf-debian-mirror-'));
  try {
    const { keyringDir, sign, stopAgent } = makeAptSigner(
      root,
      { name: 'PF Test Mirror', email: 'mirror@example.test' },
      KEYRING_NAME,
    );
    const files = new Map<string, string>();
    const www = join(root, 'www');
    const dists = join(www, 'dists', suite);
    const listed: string[] = [];
    for (const [arch, sel] of selections) {
      const stanzas: string[] = [];
      for (const c of sel.chosen) {
        const pool = `pool/main/${c.name}/${DEB_BASENAME.test(baseName(c.filename)) ? baseName(c.filename) : `${c.sha256}.deb`}`;
        files.set(`/${pool}`, debPath(cacheDir, c.sha256));
        stanzas.push(c.stanza.replace(/^Filename: .*$/m, `Filename: ${pool}`));
      }
      const plain = Buffer.from(`${stanzas.join('\n\n')}\n`);
      listed.push(...writePackagesIndexes(dists, suite, arch, plain, files));
    }
    const text = releaseText('PF Test Mirror', suite, [...selections.keys()], listed);
    writeFileSync(join(dists, 'Release'), text);
    sign(join(dists, 'Release'), join(dists, 'InRelease'), join(dists, 'Release.gpg'));
    for (const name of ['Release', 'InRelease', 'Release.gpg']) files.set(`/dists/${suite}/${name}`, join(dists, name));

    const requests: string[] = [];
    const server = serveAptFiles(files, requests);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return {
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      keyringDir,
      keyringName: KEYRING_NAME,
      suite,
      packageNames: (arch) => {
        const sel = selections.get(arch);
        if (!sel)
          throw new TerminalError(
            'test-mirror-options',
            `the mirror has no architecture ${arch} (it has ${[...selections.keys()].join(', ')})`,
          );
        return sel.chosen.map((c) => c.name);
      },
      upstream,
      requests,
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((ok) => server.close(() => ok()));
        stopAgent();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/** The verified upstream Release, fetched at most once per start and only when needed. */
function lazyRelease(suite: string, upstream: Upstream): () => Promise<SignedRelease> {
  let got: Promise<SignedRelease> | undefined;
  return () => {
    got ??= (async () => {
      const repo: AptRepositoryOptions = { baseUrl: DEBIAN, suite, keyringPath: DEBIAN_KEYRING, timeoutMs: 60_000 };
      const signed = await upstreamCall(() => fetchRelease(repo), `${DEBIAN}/dists/${suite}/InRelease`);
      upstream.releases++;
      return signed;
    })();
    return got;
  };
}

interface SelectionInput {
  cacheDir: string;
  suite: string;
  arch: string;
  packages: string[];
  release: ReturnType<typeof lazyRelease>;
  upstream: Upstream;
}

/**
 * The cached selection of today for these packages, or a new one (made under a lock: parallel
 * jest workers download once). When the Debian archive cannot be reached, the newest earlier
 * selection still whole in the cache is used (with a warning), so tests also run offline.
 */
async function selectionFor(input: SelectionInput): Promise<Selection> {
  const day = new Date().toISOString().slice(0, 10);
  const key = createHash('sha256')
    .update(JSON.stringify([FORMAT, input.suite, input.arch, input.packages]))
    .digest('hex')
    .slice(0, 24);
  const dir = join(input.cacheDir, 'selections');
  const file = join(dir, `${input.suite}-${input.arch}-${key}-${day}.json`);
  const cached = await readSelection(file, input.cacheDir);
  if (cached) return cached;
  return withLock(join(input.cacheDir, 'locks', `${key}.lock`), async () => {
    const again = await readSelection(file, input.cacheDir);
    if (again) return again;
    let selection: Selection;
    try {
      selection = await makeSelection(input, day);
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      const earlier = (await readdir(dir).catch(() => [] as string[]))
        .filter((f) => f.startsWith(`${input.suite}-${input.arch}-${key}-`))
        .sort()
        .reverse();
      for (const name of earlier) {
        const old = await readSelection(join(dir, name), input.cacheDir);
        if (!old) continue;
        console.warn(
          `${error.message}\ndebian mirror fixture: serving the ${input.arch} selection of ${old.day} from the cache instead`,
        );
        return old;
      }
      throw error;
    }
    await writeAtomic(file, Buffer.from(JSON.stringify(selection)));
    // Earlier days of the same selection are kept no longer (their .debs stay, content-addressed).
    for (const name of await readdir(dir))
      if (name.startsWith(`${input.suite}-${input.arch}-${key}-`) && join(dir, name) !== file)
        await rm(join(dir, name), { force: true });
    return selection;
  });
}

async function makeSelection(input: SelectionInput, day: string): Promise<Selection> {
  const signed = await input.release();
  const path = `main/binary-${input.arch}/Packages.xz`;
  const entry = signed.release.sha256.get(path);
  if (!entry)
    throw new TerminalError(
      'test-mirror-upstream',
      `${signed.url} lists no ${path}: is ${input.arch} a Debian architecture?`,
    );
  const url = `${DEBIAN}/dists/${input.suite}/${path}`;
  const body = await upstreamCall(() => httpGet(url, { maxBytes: entry.size, timeoutMs: 180_000 }), url);
  input.upstream.indexes++;
  input.upstream.bytes += body?.length ?? 0;
  if (!body || body.length !== entry.size || sha256(body) !== entry.sha256) {
    throw new TerminalError(
      'test-mirror-upstream',
      `${url} is not the file the signed Release lists (size or SHA256 differ); retry later`,
    );
  }
  const text = (await decompress(body, 'xz', url)).toString('utf8');
  const parsed = parsePackages(text);
  const resolved = resolvePackages(input.packages, buildPackageIndex(parsed.packages), { architecture: input.arch });
  const stanzas = stanzasByLine(text);
  const chosen: Chosen[] = resolved.packages.map((p) => {
    const stanza = stanzas.get(p.line);
    if (!p.SHA256 || p.Size === undefined || !p.Filename || !stanza?.startsWith('Package: ')) {
      throw new TerminalError(
        'test-mirror-upstream',
        `${p.Package} ${p.Version} (line ${p.line} of ${url}) has no SHA256, Size, Filename or stanza`,
      );
    }
    return { name: p.Package, sha256: p.SHA256, size: p.Size, filename: p.Filename, stanza };
  });
  await downloadDebs(input.cacheDir, chosen, input.upstream);
  return {
    format: FORMAT,
    suite: input.suite,
    arch: input.arch,
    packages: input.packages,
    day,
    packagesSha256: entry.sha256,
    chosen,
  };
}

/** Downloads the .debs the cache lacks, six at a time, each checked against its index entry. */
async function downloadDebs(cacheDir: string, chosen: readonly Chosen[], upstream: Upstream): Promise<void> {
  const queue = [...chosen];
  const worker = async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      if (await debIsWhole(cacheDir, c)) continue;
      const url = `${DEBIAN}/${c.filename}`;
      const data = await upstreamCall(() => httpGet(url, { maxBytes: c.size, timeoutMs: 300_000 }), url);
      if (!data || data.length !== c.size || sha256(data) !== c.sha256)
        throw new TerminalError(
          'test-mirror-upstream',
          `${url} is not the .deb the index lists (missing, or size or SHA256 differ); retry later`,
        );
      upstream.debs++;
      upstream.bytes += data.length;
      await writeAtomic(debPath(cacheDir, c.sha256), data);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
}

async function readSelection(file: string, cacheDir: string): Promise<Selection | undefined> {
  let selection: Selection;
  try {
    selection = JSON.parse(await readFile(file, 'utf8')) as Selection;
  } catch {
    return undefined;
  }
  const sane =
    selection.format === FORMAT &&
    Array.isArray(selection.chosen) &&
    selection.chosen.every(
      (c) =>
        NAME.test(c.name) &&
        HEX.test(c.sha256) &&
        Number.isInteger(c.size) &&
        typeof c.stanza === 'string' &&
        c.stanza.startsWith('Package: '),
    );
  if (!sane) return undefined;
  for (const c of selection.chosen) if (!(await debIsWhole(cacheDir, c))) return undefined;
  return selection;
}

async function debIsWhole(cacheDir: string, c: Chosen): Promise<boolean> {
  try {
    const data = await readFile(debPath(cacheDir, c.sha256));
    return data.length === c.size && sha256(data) === c.sha256;
  } catch {
    return false;
  }
}

/** The raw text of each stanza by its first line (1-based), as parsePackages numbers them. */
function stanzasByLine(text: string): Map<number, string> {
  const out = new Map<number, string>();
  const lines = text.split('\n');
  let start = -1;
  for (let i = 0; i <= lines.length; i++) {
    const line = i < lines.length ? (lines[i] as string).replace(/\r$/, '') : '';
    if (line === '') {
      if (start >= 0) out.set(start + 1, lines.slice(start, i).join('\n'));
      start = -1;
    } else if (start < 0) start = i;
  }
  return out;
}

/** Runs `fn` holding a lock file (created exclusively); waits for another holder, breaks a stale lock. */
async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(join(path, '..'), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await (await open(path, 'wx')).close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(path).then(
        (st) => Date.now() - st.mtimeMs,
        () => 0,
      );
      if (age > LOCK_WAIT_MS) await rm(path, { force: true });
      else if (Date.now() > deadline)
        throw new TerminalError(
          'test-mirror-lock',
          `${path} is held for more than ${LOCK_WAIT_MS / 60_000} minutes; delete it if no test runs`,
        );
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

/** Calls the Debian archive; a failure says the fixture needs it (and what to do offline). */
async function upstreamCall<T>(call: () => Promise<T>, url: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `debian mirror fixture: ${url} failed (${reason}); the first start of a day needs the Debian archive (later starts reuse PF_TEST_DEB_CACHE)`;
    const code = error instanceof PipelineError ? error.code : 'test-mirror-upstream';
    throw error instanceof PipelineError && !error.retryable
      ? new TerminalError(code, message, { cause: error })
      : new RetryableError(code, message, { cause: error });
  }
}

async function writeAtomic(path: string, data: Buffer): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

function debPath(cacheDir: string, hex: string): string {
  return join(cacheDir, 'debs', `${hex}.deb`);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
