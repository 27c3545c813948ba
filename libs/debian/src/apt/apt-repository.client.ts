import { shown } from '@patch-factory/contracts';
import { createHash } from 'node:crypto';
import { AptErrorCode, aptTerminal } from '../debian-errors';
import { COMPRESSION_SUFFIX, decompress, type Compression } from './decompress';
import { verifyClearsigned, verifyDetached, type GpgvOptions } from './gpgv-verify';
import { checkRepositoryUrl, httpGet, type HttpFetchOptions } from './http-fetch';
import { parsePackages, type ParsedPackages } from './packages-parse';
import { parseRelease, type Release, type ReleaseFile } from './release-parse';

/** Where a repository is and which keys sign it. */
export interface AptRepositoryOptions extends HttpFetchOptions, GpgvOptions {
  /** The repository root, e.g. http://archive.example.org/debian (http or https). */
  baseUrl: string;
  /** The suite (dists/<suite>), e.g. bookworm, bookworm-security. */
  suite: string;
  /** The clock for Valid-Until (epoch ms); default Date.now. */
  now?: () => number;
  /** The largest decompressed index accepted (default 1 GiB). */
  maxIndexBytes?: number;
}

/** A Release whose signature gpgv accepted and that has not expired. */
export interface SignedRelease {
  release: Release;
  /** Fingerprints of the keys whose signatures are valid. */
  fingerprints: string[];
  via: 'InRelease' | 'Release.gpg';
  url: string;
}

export interface FetchedPackages extends ParsedPackages {
  /** The index path as the Release lists it (main/binary-amd64/Packages.xz). */
  path: string;
  compression: Compression;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/;
/** Preferred first: the smallest download. */
const FORMS: readonly Compression[] = ['xz', 'gz', 'lz4', 'none'];

/**
 * Fetches dists/<suite>/InRelease (or Release + Release.gpg when there is no InRelease),
 * verifies it with gpgv against the keyring and checks that it is the Release of the suite asked
 * for (Suite or Codename) and Valid-Until. Throws (TerminalError) `apt-keyring-missing`,
 * `apt-release-missing`, `apt-release-suite-mismatch`, `apt-release-unsigned`, `apt-signature-bad`,
 * `apt-signature-unknown-key`, `apt-signature-key-expired`, `apt-release-expired`,
 * `apt-release-invalid`; (RetryableError) `apt-unreachable`, `apt-http-status` on 5xx.
 */
export async function fetchRelease(opts: AptRepositoryOptions): Promise<SignedRelease> {
  const base = suiteUrl(opts);
  // No unsigned path: without a keyring nothing is fetched (http or https alike).
  if (typeof opts.keyringPath !== 'string' || opts.keyringPath === '') {
    throw aptTerminal(
      AptErrorCode.keyringMissing,
      `${shown(base)}: no keyring given; every repository is verified with its signing key, there is no unsigned mode`,
    );
  }
  const inReleaseUrl = `${base}InRelease`;
  const inRelease = await httpGet(inReleaseUrl, { ...opts, maxBytes: opts.maxBytes ?? 16 * 1024 * 1024 });
  let verified;
  let via: SignedRelease['via'];
  let url: string;
  if (inRelease !== undefined) {
    verified = await verifyClearsigned(inRelease, inReleaseUrl, opts);
    via = 'InRelease';
    url = inReleaseUrl;
  } else {
    url = `${base}Release`;
    const release = await httpGet(url, { ...opts, maxBytes: opts.maxBytes ?? 16 * 1024 * 1024 });
    if (release === undefined) {
      throw aptTerminal(
        AptErrorCode.releaseMissing,
        `${shown(base)} has neither InRelease nor Release: check the repository URL and the suite "${shown(opts.suite)}"`,
      );
    }
    const signature = await httpGet(`${url}.gpg`, { ...opts, maxBytes: 1024 * 1024 });
    if (signature === undefined)
      throw aptTerminal(
        AptErrorCode.releaseUnsigned,
        `${shown(url)} has no Release.gpg (and there is no InRelease): an unsigned repository is refused`,
      );
    verified = await verifyDetached(release, signature, url, opts);
    via = 'Release.gpg';
  }
  const release = parseRelease(verified.text, url);
  checkSuite(release, opts.suite, url);
  const now = (opts.now ?? Date.now)();
  if (release.validUntil !== undefined && release.validUntil < now) {
    throw aptTerminal(
      AptErrorCode.releaseExpired,
      `${shown(url)} expired at ${new Date(release.validUntil).toISOString()} (Valid-Until): the mirror is stale or replaying an old Release; use an up-to-date mirror`,
    );
  }
  return { release, fingerprints: verified.fingerprints, via, url };
}

/**
 * Fetches <component>/binary-<architecture>/Packages in the first form the Release lists
 * (xz, gz, lz4, plain), checks its size and SHA256 against the Release (and the
 * uncompressed one's too when listed), decompresses and parses it. Throws
 * `apt-index-not-listed`, `apt-index-size-mismatch`, `apt-index-checksum-mismatch`,
 * `apt-decompress-failed`, `apt-too-large`.
 */
export async function fetchPackages(
  opts: AptRepositoryOptions,
  signed: SignedRelease,
  component = 'main',
  architecture = 'amd64',
): Promise<FetchedPackages> {
  for (const [what, value] of [
    ['component', component],
    ['architecture', architecture],
  ] as const) {
    if (!SEGMENT.test(value))
      throw aptTerminal(AptErrorCode.urlRefused, `${what} "${shown(value, 60)}" is not a plain name`);
  }
  const stem = `${component}/binary-${architecture}/Packages`;
  const compression = FORMS.find((c) => signed.release.sha256.has(stem + COMPRESSION_SUFFIX[c]));
  if (compression === undefined) {
    throw aptTerminal(
      AptErrorCode.indexNotListed,
      `${shown(signed.url)} lists no ${stem} (in any form) with a SHA256: check the component and architecture`,
    );
  }
  const path = stem + COMPRESSION_SUFFIX[compression];
  const entry = signed.release.sha256.get(path) as ReleaseFile;
  const url = `${suiteUrl(opts)}${path}`;
  const body = await httpGet(url, { ...opts, maxBytes: entry.size });
  if (body === undefined)
    throw aptTerminal(
      AptErrorCode.indexNotListed,
      `${shown(url)} is listed in the Release but not on the server (HTTP 404): the mirror is incomplete`,
    );
  checkFile(body, entry, url);
  const data = await decompress(body, compression, url, opts.maxIndexBytes);
  const plain = signed.release.sha256.get(stem);
  if (plain && compression !== 'none') checkFile(data, plain, `${url} (decompressed)`);
  return { ...parsePackages(data.toString('utf8')), path, compression };
}

/**
 * A signed Release of another suite (the same key signs bookworm and bookworm-security) must not
 * stand in for the one asked for: over plain http anyone on the path could swap them. Like APT,
 * `dists/<suite>` must be the Release's Suite or Codename, or its part before the last `/` must
 * (buster/updates has Codename buster); a Release that names neither is taken as it is.
 */
function checkSuite(release: Release, suite: string, url: string): void {
  const names = [release.suite, release.codename].filter((n): n is string => n !== undefined);
  if (names.length === 0) return;
  const slash = suite.lastIndexOf('/');
  if (names.includes(suite) || (slash > 0 && names.includes(suite.slice(0, slash)))) return;
  throw aptTerminal(
    AptErrorCode.releaseSuiteMismatch,
    `${shown(url)} is signed but is the Release of ${names.map((n) => `"${shown(n, 60)}"`).join(' / ')}, not of the suite "${shown(suite, 60)}" asked for: the mirror serves another suite's Release; do not use it`,
  );
}

function checkFile(data: Buffer, entry: ReleaseFile, what: string): void {
  if (data.length !== entry.size) {
    throw aptTerminal(
      AptErrorCode.indexSizeMismatch,
      `${shown(what)} is ${data.length} bytes but the signed Release says ${entry.size}: the mirror is corrupt or mid-update; retry later or use another mirror`,
    );
  }
  const sha256 = createHash('sha256').update(data).digest('hex');
  if (sha256 !== entry.sha256) {
    throw aptTerminal(
      AptErrorCode.indexChecksumMismatch,
      `${shown(what)} has SHA256 ${sha256} but the signed Release says ${entry.sha256}: the file was changed; do not use this mirror`,
    );
  }
}

function suiteUrl(opts: AptRepositoryOptions): string {
  const segments = opts.suite.split('/');
  if (!segments.every((s) => SEGMENT.test(s)))
    throw aptTerminal(
      AptErrorCode.urlRefused,
      `suite "${shown(opts.suite, 60)}" is not a plain suite name (e.g. bookworm-security)`,
    );
  const base = checkRepositoryUrl(opts.baseUrl);
  if (base.search || base.hash)
    throw aptTerminal(AptErrorCode.urlRefused, `${shown(base.href)}: a repository URL has no query or fragment`);
  return `${base.href.replace(/\/+$/, '')}/dists/${segments.join('/')}/`;
}
