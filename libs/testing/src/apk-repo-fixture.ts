// The APK repository fixture of the tests (issue 16: one, for libs/alpine's index client and
// libs/sources' Alpine package source): APKINDEX.tar.gz files signed by a throwaway RSA key as
// apk signs them, served on 127.0.0.1 with ETags.
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { rawTar } from './raw-tar-fixture';

/** A tar of `files`; `cut` leaves off the two end blocks (as apk does for the signature tar). */
export function apkTarOf(files: Record<string, string | Buffer>, cut = false): Buffer {
  return rawTar(
    Object.entries(files).map(([name, data]) => ({ name, data, mtime: 0 })),
    cut,
  );
}

export interface ApkTestKey {
  name: string;
  privateKey: KeyObject;
  publicPem: string;
}

/** A fresh RSA key pair named like Alpine's keys. */
export function apkTestKey(name = 'test@example.org-0001.rsa.pub'): ApkTestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { name, privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export interface ApkIndexOptions {
  /** Sign with this key (none: unsigned, a single gzip member). */
  key?: ApkTestKey;
  algorithm?: 'sha1' | 'sha256';
  /** Change the control part after signing. */
  tamper?: (control: Buffer) => Buffer;
}

/** An APKINDEX.tar.gz holding `apkindex` as its APKINDEX. */
export function buildApkIndex(apkindex: string, opts: ApkIndexOptions = {}): Buffer {
  const control = gzipSync(apkTarOf({ DESCRIPTION: 'v3.22.0-test\n', APKINDEX: apkindex }));
  if (!opts.key) return control;
  const sha256 = opts.algorithm === 'sha256';
  const signature = createSign(sha256 ? 'RSA-SHA256' : 'RSA-SHA1')
    .update(control)
    .sign(opts.key.privateKey);
  const sig = gzipSync(apkTarOf({ [`.SIGN.${sha256 ? 'RSA256' : 'RSA'}.${opts.key.name}`]: signature }, true));
  return Buffer.concat([sig, opts.tamper ? opts.tamper(control) : control]);
}

/** An APKINDEX record. */
export function apkRecord(name: string, version: string, extra = ''): string {
  return `C:Q1${Buffer.from(`${name}-${version}`).toString('base64')}=\nP:${name}\nV:${version}\nA:x86_64\nS:1234\nI:4096\nT:test package\nU:https://example.org\nL:MIT\no:${name}\nm:Test <t@example.org>\nt:1700000000\nc:0123456789abcdef\n${extra}`;
}

/** A tiny HTTP server of one index path; answers 304 to a matching If-None-Match. */
export interface ApkIndexServer {
  /** The mirror root URL (http://127.0.0.1:port/alpine). */
  url: string;
  /** Replace the served body (its ETag changes with it). */
  set(path: string, body: Buffer): void;
  /** Requests seen: path and the If-None-Match sent. */
  requests: { path: string; ifNoneMatch?: string }[];
  /** Statuses answered, in order. */
  statuses: number[];
  close(): Promise<void>;
}

export async function startApkIndexServer(): Promise<ApkIndexServer> {
  const bodies = new Map<string, { body: Buffer; etag: string }>();
  let generation = 0;
  const requests: ApkIndexServer['requests'] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    const inm = req.headers['if-none-match'];
    requests.push({ path, ...(typeof inm === 'string' ? { ifNoneMatch: inm } : {}) });
    const entry = bodies.get(path);
    statuses.push(!entry ? 404 : inm === entry.etag ? 304 : 200);
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    if (inm === entry.etag) {
      res.writeHead(304, { etag: entry.etag }).end();
      return;
    }
    res
      .writeHead(200, {
        etag: entry.etag,
        'last-modified': 'Tue, 25 Nov 2025 10:00:00 GMT',
        'content-type': 'application/octet-stream',
      })
      .end(entry.body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alpine`,
    set(path, body) {
      bodies.set(`/alpine/${path}`, { body, etag: `"g${++generation}"` });
    },
    requests,
    statuses,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
