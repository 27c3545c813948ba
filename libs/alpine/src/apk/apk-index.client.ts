import { compareApkVersions } from '../version-compare';
import { ApkErrorCode, apkTerminal } from '../alpine-errors';
import { fetchConditional, type ApkFetchOptions, type ConditionalHeaders } from './apk-http-fetch';
import { apkIndexUrl, type ApkRepository } from './apk-repository-url';
import { parseApkIndex, type ApkIndexParse, type ApkIndexRecord } from './apkindex-parse';
import { signatureEntries, verifyApkSignature } from './apk-signature';
import { gunzipBounded, splitFirstGzipMember } from './gzip-members';
import { readApkTar } from './apk-tar';

/** The largest signature tar and control tar inflated. */
const MAX_SIGNATURE_TAR = 1024 * 1024;
const MAX_CONTROL_TAR = 256 * 1024 * 1024;

/** A verified, parsed APKINDEX. */
export interface ApkIndex extends ApkIndexParse {
  /** The key file name whose signature verified. */
  signedBy: string;
  /** The `DESCRIPTION` file (e.g. `v3.22.2-12-g…`), when there is one. */
  description?: string;
}

/**
 * Verify and parse the bytes of an APKINDEX.tar.gz: the first gzip member is the signature tar
 * (`.SIGN.RSA.<key>` / `.SIGN.RSA256.<key>`), the rest the signed control tar holding
 * `APKINDEX` (and `DESCRIPTION`). Only signed bytes are parsed. Throws TerminalError
 * (apk-index-invalid, apk-index-unsigned, apk-signature-bad, apk-signature-unknown-key,
 * apk-too-large).
 */
export async function readApkIndex(data: Buffer, keysDir: string, what = 'the APKINDEX'): Promise<ApkIndex> {
  const first = splitFirstGzipMember(data, what, MAX_SIGNATURE_TAR);
  const signatures = signatureEntries(readApkTar(first.content, `the signature part of ${what}`));
  if (signatures.length > 0 && first.rest.length === 0)
    throw apkTerminal(ApkErrorCode.indexInvalid, `${what} holds a signature but no index`);
  const signedBy = await verifyApkSignature(signatures, first.rest, keysDir, what);
  const control = readApkTar(gunzipBounded(first.rest, what, MAX_CONTROL_TAR), `the index part of ${what}`);
  const index = control.find((e) => e.name === 'APKINDEX');
  if (!index) throw apkTerminal(ApkErrorCode.indexInvalid, `${what} has no APKINDEX file`);
  const description = control.find((e) => e.name === 'DESCRIPTION');
  return {
    ...parseApkIndex(index.data.toString('utf8')),
    signedBy,
    ...(description
      ? { description: description.data.toString('utf8', 0, Math.min(description.data.length, 200)).trim() }
      : {}),
  };
}

/** The outcome of a conditional index read: unchanged, or the verified index and its validators. */
export type ApkIndexFetch =
  | { notModified: true; url: string }
  | { notModified: false; url: string; index: ApkIndex; validators: ConditionalHeaders };

/**
 * Reads the signed APKINDEX of one Alpine repository (`<url>/<branch>/<repo>/<arch>/APKINDEX.tar.gz`)
 * over HTTP(S), conditionally on the validators of the last read.
 */
export class ApkIndexClient {
  constructor(
    private readonly keysDir: string,
    private readonly opts: Omit<ApkFetchOptions, 'signal'> = {},
  ) {}

  /** Fetch, verify and parse; `since` makes the request conditional (answer: notModified). */
  async fetch(repo: ApkRepository, since: ConditionalHeaders = {}, signal?: AbortSignal): Promise<ApkIndexFetch> {
    const url = apkIndexUrl(repo);
    const res = await fetchConditional(url, since, { ...this.opts, ...(signal ? { signal } : {}) });
    if (res.notModified) return { notModified: true, url };
    const index = await readApkIndex(res.body, this.keysDir, url);
    return { notModified: false, url, index, validators: res.validators };
  }
}

/** The newest record of package `name` (apk version order), optionally of one arch. */
export function newestRecord(records: ApkIndexRecord[], name: string, arch?: string): ApkIndexRecord | undefined {
  let best: ApkIndexRecord | undefined;
  for (const r of records) {
    if (r.name !== name || (arch !== undefined && r.arch !== undefined && r.arch !== arch)) continue;
    if (!best || compareApkVersions(r.version, best.version) > 0) best = r;
  }
  return best;
}
