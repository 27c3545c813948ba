import { shown } from '@patch-factory/contracts';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { AptErrorCode, aptTerminal } from '../debian-errors';

/** What gpgv said about one signature, from its `--status-fd` lines. */
export interface GpgvStatus {
  /** Fingerprints of the good, valid signatures (VALIDSIG). */
  valid: string[];
  /** Key ids with GOODSIG. */
  good: string[];
  /** Key ids with BADSIG: the data or the signature was changed. */
  bad: string[];
  /** Key ids with ERRSIG (mostly: the key is not in the keyring). */
  errors: string[];
  /** Key ids with EXPKEYSIG: a good signature by a key that has expired. */
  expiredKey: string[];
  /** NODATA: no signature at all. */
  noData: boolean;
}

/** Parses gpgv's status output (`[GNUPG:] KEYWORD args…`, one a line). */
export function parseGpgvStatus(text: string): GpgvStatus {
  const status: GpgvStatus = { valid: [], good: [], bad: [], errors: [], expiredKey: [], noData: false };
  for (const line of text.split('\n')) {
    if (!line.startsWith('[GNUPG:] ')) continue;
    const [keyword, first = ''] = line.slice(9).split(' ');
    if (keyword === 'VALIDSIG') status.valid.push(first);
    else if (keyword === 'GOODSIG') status.good.push(first);
    else if (keyword === 'BADSIG') status.bad.push(first);
    else if (keyword === 'ERRSIG') status.errors.push(first);
    else if (keyword === 'EXPKEYSIG') status.expiredKey.push(first);
    else if (keyword === 'NODATA') status.noData = true;
  }
  return status;
}

export interface GpgvOptions {
  /** An OpenPGP keyring file (`gpg --export` output or a .kbx), the only keys trusted. */
  keyringPath: string;
  /** Default /usr/bin/gpgv. */
  gpgvPath?: string;
  /** Default 30 s. */
  timeoutMs?: number;
}

/** The outcome of a good verification: the signed text, and who signed it. */
export interface VerifiedText {
  text: string;
  fingerprints: string[];
}

/**
 * Verifies a clear-signed document (InRelease) and returns the signed text as gpgv printed
 * it (text outside the signature never gets through). Throws `apt-release-unsigned`,
 * `apt-signature-bad`, `apt-signature-unknown-key`, `apt-signature-key-expired`.
 */
export async function verifyClearsigned(signed: Buffer, what: string, opts: GpgvOptions): Promise<VerifiedText> {
  if (!signed.subarray(0, 64).toString('latin1').startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) {
    throw aptTerminal(
      AptErrorCode.releaseUnsigned,
      `${what} is not a clear-signed document; the repository must sign its Release`,
    );
  }
  const key = await verificationKey(signed, opts);
  const known = verified.get(key);
  if (known && known.at + VERIFIED_TTL_MS > Date.now())
    return { text: known.text, fingerprints: [...known.fingerprints] };
  const result = await withTempDir(async (dir) => {
    await writeFile(join(dir, 'InRelease'), signed);
    const status = await runGpgv(opts, dir, ['--output', join(dir, 'Release'), join(dir, 'InRelease')]);
    const fingerprints = judge(status, what, opts.keyringPath);
    return { text: await readFile(join(dir, 'Release'), 'utf8'), fingerprints };
  });
  verified.delete(key);
  verified.set(key, { ...result, at: Date.now() });
  while (verified.size > VERIFIED_MAX) verified.delete(verified.keys().next().value as string);
  return result;
}

/**
 * Good verifications of the last few minutes, by the signed bytes and the keyring's bytes: the
 * same InRelease checked against the same keyring again (each platform of a build, a rebuild)
 * does not run gpgv again. Failures are never kept; entries expire so a key's expiry is seen.
 */
const verified = new Map<string, VerifiedText & { at: number }>();
const VERIFIED_MAX = 32;
const VERIFIED_TTL_MS = 10 * 60_000;

async function verificationKey(signed: Buffer, opts: GpgvOptions): Promise<string> {
  const keyring = await readFile(opts.keyringPath).catch(() => undefined);
  const hash = createHash('sha256').update(signed).update('\0');
  if (keyring) hash.update(keyring);
  return `${opts.keyringPath}\0${opts.gpgvPath ?? ''}\0${keyring ? '' : 'missing:'}${hash.digest('hex')}`;
}

/** Verifies `Release` against its detached `Release.gpg`; same errors as verifyClearsigned. */
export async function verifyDetached(
  data: Buffer,
  signature: Buffer,
  what: string,
  opts: GpgvOptions,
): Promise<VerifiedText> {
  return withTempDir(async (dir) => {
    await writeFile(join(dir, 'Release'), data);
    await writeFile(join(dir, 'Release.gpg'), signature);
    const status = await runGpgv(opts, dir, [join(dir, 'Release.gpg'), join(dir, 'Release')]);
    const fingerprints = judge(status, what, opts.keyringPath);
    return { text: data.toString('utf8'), fingerprints };
  });
}

/**
 * Good when at least one signature is valid and none is bad (a Release may be signed by
 * several keys, not all of them in the keyring: apt accepts that too).
 */
function judge(status: GpgvStatus, what: string, keyring: string): string[] {
  if (status.bad.length) {
    throw aptTerminal(
      AptErrorCode.signatureBad,
      `${what}: BAD signature by key ${shown(status.bad[0] ?? '')}: the file was changed after signing (or the mirror is corrupt); do not use it`,
    );
  }
  const valid = status.valid.filter((fpr) => /^[0-9A-F]{40,64}$/.test(fpr));
  if (valid.length && status.good.length) return valid;
  if (status.expiredKey.length) {
    throw aptTerminal(
      AptErrorCode.signatureKeyExpired,
      `${what} is signed by key ${shown(status.expiredKey[0] ?? '')}, which has expired; get the repository's current key into ${shown(keyring)}`,
    );
  }
  if (status.errors.length) {
    throw aptTerminal(
      AptErrorCode.signatureUnknownKey,
      `${what} is signed by key ${shown(status.errors.join(', '))}, which is not in the keyring ${shown(keyring)}; add the repository's key if you trust it`,
    );
  }
  throw aptTerminal(
    AptErrorCode.releaseUnsigned,
    `${what} carries no valid signature; the repository must sign its Release`,
  );
}

async function runGpgv(opts: GpgvOptions, dir: string, args: string[]): Promise<GpgvStatus> {
  const keyring = isAbsolute(opts.keyringPath) ? opts.keyringPath : resolve(opts.keyringPath);
  if (!existsSync(keyring))
    throw aptTerminal(
      AptErrorCode.keyringMissing,
      `keyring ${shown(keyring)} does not exist; configure the repository's public key file`,
    );
  const gpgv = opts.gpgvPath ?? '/usr/bin/gpgv';
  // An empty home: only the given keyring is trusted, never ~/.gnupg/trustedkeys.kbx.
  const fullArgs = ['--homedir', dir, '--status-fd', '1', '--keyring', keyring, ...args];
  const stdout = await new Promise<string>((done, fail) => {
    execFile(
      gpgv,
      fullArgs,
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 1024 * 1024, encoding: 'utf8' },
      (error, out) => {
        // A non-zero exit is normal for a bad or unknown signature: the status lines tell which.
        if (error && (typeof error.code !== 'number' || error.killed)) {
          fail(
            aptTerminal(
              AptErrorCode.gpgvFailed,
              `cannot run ${shown(gpgv)}: ${shown(error.message)}; install gnupg's gpgv`,
              error,
            ),
          );
        } else done(out);
      },
    );
  });
  return parseGpgvStatus(stdout);
}

async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pf-gpgv-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
