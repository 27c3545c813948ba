// Test helpers (not a suite, not built): a signed APKINDEX.tar.gz served on 127.0.0.1.
// (libs/alpine's specs have the same helpers; specs may not import another project's files.)
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

function tarEntry(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'latin1');
  for (const [at, field] of [[100, '0000644\0'], [108, '0000000\0'], [116, '0000000\0'], [136, '00000000000\0'], [148, '        '], [156, '0'], [257, 'ustar\u000000']] as const) header.write(field, at, 'latin1');
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function tarOf(files: Record<string, string | Buffer>, cut: boolean): Buffer {
  const parts = Object.entries(files).map(([n, d]) => tarEntry(n, typeof d === 'string' ? Buffer.from(d) : d));
  return Buffer.concat([...parts, Buffer.alloc(cut ? 0 : 1024)]);
}

export interface TestKey {
  name: string;
  privateKey: KeyObject;
  publicPem: string;
}

export function testKey(name = 'test@example.org-0001.rsa.pub'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { name, privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** An APKINDEX.tar.gz of `apkindex`, signed (SHA-1) by `key` unless none is given; `tamper` changes the control part after signing. */
export function buildApkIndex(apkindex: string, key?: TestKey, tamper?: (control: Buffer) => Buffer): Buffer {
  const control = gzipSync(tarOf({ DESCRIPTION: 'v3.22.0-test\n', APKINDEX: apkindex }, false));
  if (!key) return control;
  const signature = createSign('RSA-SHA1').update(control).sign(key.privateKey);
  return Buffer.concat([gzipSync(tarOf({ [`.SIGN.RSA.${key.name}`]: signature }, true)), tamper ? tamper(control) : control]);
}

/** One APKINDEX record. */
export function record(name: string, version: string): string {
  return `C:Q1${Buffer.from(`${name}-${version}`).toString('base64')}=\nP:${name}\nV:${version}\nA:x86_64\nS:1234\nT:test\no:${name}\nt:1700000000\n`;
}

export interface IndexServer {
  url: string;
  set(path: string, body: Buffer): void;
  /** Statuses answered, in order. */
  statuses: number[];
  close(): Promise<void>;
}

/** Serves bodies under /alpine/ with an ETag per body; a matching If-None-Match gets 304. */
export async function startIndexServer(): Promise<IndexServer> {
  const bodies = new Map<string, { body: Buffer; etag: string }>();
  const statuses: number[] = [];
  let generation = 0;
  const server = createServer((req, res) => {
    const entry = bodies.get(req.url ?? '');
    const status = !entry ? 404 : req.headers['if-none-match'] === entry.etag ? 304 : 200;
    statuses.push(status);
    if (!entry) res.writeHead(404).end();
    else if (status === 304) res.writeHead(304, { etag: entry.etag }).end();
    else res.writeHead(200, { etag: entry.etag, 'last-modified': 'Tue, 25 Nov 2025 10:00:00 GMT' }).end(entry.body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alpine`,
    set(path, body) {
      bodies.set(`/alpine/${path}`, { body, etag: `"g${++generation}"` });
    },
    statuses,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
