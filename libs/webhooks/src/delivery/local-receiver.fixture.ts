import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A request as a local receiver got it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The TLS server name the client sent (SNI), for https receivers. */
  readonly servername?: string;
}

export type ReceiverHandler = (req: ReceivedRequest, res: http.ServerResponse) => void;

export interface LocalReceiver {
  readonly host: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** `http(s)://<host>:<port><path>`, IPv6 in brackets. */
  url(path?: string, host?: string): string;
  close(): Promise<void>;
}

/** An http(s) server on a loopback address (port 0: a free one, or the given one) recording every request. */
export async function startReceiver(
  options: { host?: string; port?: number; tls?: { key: string; cert: string }; handler?: ReceiverHandler } = {},
): Promise<LocalReceiver> {
  const host = options.host ?? '127.0.0.1';
  const requests: ReceivedRequest[] = [];
  const handler = options.handler ?? ((_req, res) => res.writeHead(204).end());
  const listener: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const servername = (req.socket as { servername?: unknown }).servername;
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        ...(typeof servername === 'string' ? { servername } : {}),
      };
      requests.push(received);
      handler(received, res);
    });
  };
  const server = options.tls ? https.createServer(options.tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? 'https' : 'http';
  return {
    host,
    port,
    requests,
    url: (path = '/hook', name = host) => `${scheme}://${name.includes(':') ? `[${name}]` : name}:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A self-signed P-256 certificate for `names` (DNS) and 127.0.0.1, made with openssl in a temporary
 * directory. openssl is installed by infra/scripts/ensure-tools.sh: without it this throws (the
 * https tests fail, never skip).
 */
export function selfSignedCertificate(names: readonly string[]): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pf-webhooks-tls-'));
  try {
    const san = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${names[0] ?? 'localhost'}`,
        '-addext',
        `subjectAltName=${san}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore', timeout: 30_000 },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('openssl is not installed: run infra/scripts/ensure-tools.sh (./factory test does)');
    }
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
