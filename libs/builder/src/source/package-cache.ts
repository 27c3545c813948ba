import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PipelineError } from '@patch-factory/contracts';
import { AptErrorCode, httpGet, type DebianPackage, type HttpFetchOptions } from '@patch-factory/debian';
import { BuilderErrorCode, builderTerminal, shown } from '../builder-errors';
import { verifyDebChecksum } from '../deb/deb-checksum';
import { BuildSourceErrorCode, located, sourceRetryable, sourceTerminal } from './source-errors';

/** A package without a Size in its index is downloaded up to this many bytes (then checked). */
const MAX_UNSIZED_DEB = 1024 * 1024 * 1024;
const SHA256 = /^[0-9a-fA-F]{64}$/;

export interface CachedPackage {
  data: Buffer;
  /** True when the bytes came from the cache directory, false when they were downloaded. */
  hit: boolean;
}

/**
 * Downloaded .debs, content-addressed: `<dir>/sha256/<hex>`, the hex being the SHA256 the
 * signed index gives. Every read is checked again (size and SHA256; a damaged file is deleted
 * and the package downloaded again); a download is checked before it is written (atomically:
 * a temp file, then rename), so the directory never holds a file that is not what its name
 * says. Gets of one package at the same time share one download.
 */
export class PackageCache {
  readonly dir: string;
  private readonly inFlight = new Map<string, Promise<CachedPackage>>();

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /**
   * The verified bytes of `pkg`, from the cache or downloaded from `url`. Throws
   * `build-checksum-missing` (no SHA256 in the index), `build-checksum-mismatch` (the server's
   * bytes are not the index's), `build-package-unavailable` (404 or another 4xx),
   * `build-download-failed` (retryable: network, timeout, 5xx) and `build-cache-failed`.
   */
  async get(pkg: DebianPackage, url: string, opts: { fetch?: HttpFetchOptions } = {}): Promise<CachedPackage> {
    const hex = expectedSha256(pkg);
    const running = this.inFlight.get(hex);
    if (running) return running;
    const work = this.lookUp(pkg, hex, url, opts.fetch ?? {}).finally(() => this.inFlight.delete(hex));
    this.inFlight.set(hex, work);
    return work;
  }

  /** Where the package with this SH256 is (or would be) kept. */
  pathOf(sha256: string): string {
    return join(this.dir, 'sha256', sha256.toLowerCase());
  }

  private async lookUp(pkg: DebianPackage, hex: string, url: string, fetch: HttpFetchOptions): Promise<CachedPackage> {
    const path = this.pathOf(hex);
    const cached = await this.readVerified(pkg, path);
    if (cached) return { data: cached, hit: true };
    const data = await download(pkg, url, fetch);
    await this.store(path, data);
    return { data, hit: false };
  }

  /** The cached bytes when they are whole; a damaged file is deleted (and undefined returned). */
  private async readVerified(pkg: DebianPackage, path: string): Promise<Buffer | undefined> {
    let data: Buffer;
    try {
      const st = await stat(path);
      if (!st.isFile() || (pkg.Size !== undefined && st.size !== pkg.Size)) {
        await this.discard(path);
        return undefined;
      }
      data = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.ioError(error, `cannot read ${path}`);
    }
    try {
      verifyDebChecksum(data, pkg);
      return data;
    } catch {
      await this.discard(path);
      return undefined;
    }
  }

  private async discard(path: string): Promise<void> {
    try {
      await rm(path, { recursive: true, force: true });
    } catch (error) {
      throw this.ioError(error, `cannot delete the damaged cache entry ${path}`);
    }
  }

  private async store(path: string, data: Buffer): Promise<void> {
    const tmp = join(this.dir, 'sha256', `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(join(this.dir, 'sha256'), { recursive: true });
      await writeFile(tmp, data, { mode: 0o644 });
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw this.ioError(error, `cannot write ${path}`);
    }
  }

  private ioError(error: unknown, what: string): Error {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return sourceTerminal(
      BuildSourceErrorCode.cacheFailed,
      `package cache ${shown(this.dir)}: ${shown(what, 300)} (${shown(reason, 80)}); check the cache directory's space and permissions`,
      error,
    );
  }
}

function expectedSha256(pkg: DebianPackage): string {
  if (pkg.SHA256 === undefined) {
    throw builderTerminal(
      BuilderErrorCode.checksumMissing,
      `the index gives no SHA256 for ${shown(pkg.Package, 80)} ${shown(pkg.Version, 80)}; refusing an unverifiable package: use a repository whose Packages index has SHA256`,
    );
  }
  if (!SHA256.test(pkg.SHA256))
    throw builderTerminal(
      BuilderErrorCode.checksumMissing,
      `the index's SHA256 for ${shown(pkg.Package, 80)} ${shown(pkg.Version, 80)} is not 64 hex digits`,
    );
  return pkg.SHA256.toLowerCase();
}

/** Downloads one .deb (at most its index Size) and checks it against the index. */
async function download(pkg: DebianPackage, url: string, fetch: HttpFetchOptions): Promise<Buffer> {
  const name = `${shown(pkg.Package, 80)} ${shown(pkg.Version, 80)}`;
  const where = `${name} from ${shown(url, 200)}`;
  let data: Buffer | undefined;
  try {
    data = await httpGet(url, { ...fetch, maxBytes: pkg.Size ?? fetch.maxBytes ?? MAX_UNSIZED_DEB });
  } catch (error) {
    throw downloadError(error, where, pkg);
  }
  if (data === undefined) {
    throw sourceTerminal(
      BuildSourceErrorCode.packageUnavailable,
      `${where}: the mirror does not have it (HTTP 404) though its signed index lists it; the mirror is incomplete or mid-sync`,
    );
  }
  try {
    verifyDebChecksum(data, pkg);
  } catch (error) {
    throw located(error, `downloading ${shown(url, 200)}`);
  }
  return data;
}

function downloadError(error: unknown, where: string, pkg: DebianPackage): unknown {
  if (!(error instanceof PipelineError)) return error;
  if (error.code === AptErrorCode.tooLarge) {
    return builderTerminal(
      BuilderErrorCode.checksumMismatch,
      `${where}: the server sends more than the ${pkg.Size ?? MAX_UNSIZED_DEB} bytes the index gives; the download is damaged or tampered with; retry from another mirror`,
      error,
    );
  }
  if (error.retryable) return sourceRetryable(BuildSourceErrorCode.downloadFailed, `${where}: ${error.message}`, error);
  if (error.code === AptErrorCode.httpStatus)
    return sourceTerminal(BuildSourceErrorCode.packageUnavailable, `${where}: ${error.message}`, error);
  return located(error, where);
}

export interface FetchAllOptions {
  /** Downloads at the same time (default 4, at most 32). */
  concurrency?: number;
  fetch?: HttpFetchOptions;
  /** Called after each package is in hand (downloaded or from the cache): `done` of `total`. */
  onPackage?: (name: string, done: number, total: number) => void;
}

export interface FetchedDebs {
  /** The verified .deb of each package, by package name. */
  debs: Map<string, Buffer>;
  /** Packages taken from the cache. */
  hits: number;
  /** Packages downloaded. */
  misses: number;
}

/**
 * Gets every package through the cache, `concurrency` at a time. The first failure stops new
 * downloads and is thrown once those under way have ended. Throws `build-package-duplicate`
 * when the list names one package twice with different SHA256.
 */
export async function fetchAll(
  packages: readonly DebianPackage[],
  urlOf: (pkg: DebianPackage) => string,
  cache: PackageCache,
  opts: FetchAllOptions = {},
): Promise<FetchedDebs> {
  const concurrency = opts.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw sourceTerminal(
      BuildSourceErrorCode.repositoryInvalid,
      `fetchAll: concurrency ${concurrency} is not a whole number from 1 to 32`,
    );
  }
  const unique = new Map<string, DebianPackage>();
  for (const pkg of packages) {
    const other = unique.get(pkg.Package);
    if (other && other.SHA256 !== pkg.SHA256) {
      throw sourceTerminal(
        BuildSourceErrorCode.packageDuplicate,
        `${shown(pkg.Package, 80)} is in the download list twice (${shown(other.Version, 80)} and ${shown(pkg.Version, 80)}): one version per package`,
      );
    }
    unique.set(pkg.Package, pkg);
  }
  const queue = [...unique.values()];
  const result: FetchedDebs = { debs: new Map(), hits: 0, misses: 0 };
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    for (let pkg = queue.shift(); pkg !== undefined && failure === undefined; pkg = queue.shift()) {
      try {
        const got = await cache.get(pkg, urlOf(pkg), opts.fetch ? { fetch: opts.fetch } : {});
        result.debs.set(pkg.Package, got.data);
        if (got.hit) result.hits++;
        else result.misses++;
        opts.onPackage?.(pkg.Package, result.hits + result.misses, unique.size);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  if (failure) throw failure.error;
  return result;
}
