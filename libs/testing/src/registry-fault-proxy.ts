// A real HTTP proxy on 127.0.0.1 in front of a real registry that injects faults: the Nth
// request of a method fails with a chosen status (before the registry sees it, or after it
// handled it), and blob downloads can be answered with corrupted bytes.
import {
  request as httpRequest,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';

/** One injected failure. */
export interface ProxyFault {
  /** HTTP method it applies to (`PATCH`, `PUT`, `GET`…). */
  method: string;
  /** Fails the nth matching request (1-based). */
  nth: number;
  /** Status answered (500, 429…). */
  status: number;
  /** Headers of the failure (e.g. `{ 'retry-after': '0' }`). */
  headers?: Record<string, string>;
  /** Only requests whose path contains this (default `/blobs/uploads/`). */
  pathIncludes?: string;
  /** Forward the request first and replace the registry's answer (the registry did the work). */
  afterForward?: boolean;
  /** Body of the failure (default: a distribution-spec error `UNAVAILABLE`). */
  body?: string;
}

/** Options of startFaultProxy. */
export interface FaultProxyOptions {
  faults?: ProxyFault[];
  /** Answer every blob GET with its first byte flipped (same length). */
  corruptBlobs?: boolean;
  /** Answer every manifest GET with its first byte flipped (the registry's Docker-Content-Digest kept). */
  corruptManifests?: boolean;
}

/** A running proxy. */
export interface FaultProxy {
  url: string;
  /** Every request seen, with the status answered and whether it was a fault. */
  requests: { method: string; path: string; status: number; injected: boolean }[];
  stop(): Promise<void>;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Start a fault-injecting proxy to `target` (a registry root such as http://127.0.0.1:5000). */
export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const counts = new Map<ProxyFault, number>();
  const requests: FaultProxy['requests'] = [];
  const faultFor = (req: IncomingMessage): ProxyFault | undefined => {
    let fired: ProxyFault | undefined;
    for (const fault of options.faults ?? []) {
      if (req.method !== fault.method || !(req.url ?? '').includes(fault.pathIncludes ?? '/blobs/uploads/')) continue;
      const n = (counts.get(fault) ?? 0) + 1;
      counts.set(fault, n);
      if (n === fault.nth) fired ??= fault;
    }
    return fired;
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const fault = faultFor(req);
    const body = await readAll(req);
    if (fault && !fault.afterForward) {
      requests.push({ method, path, status: fault.status, injected: true });
      res
        .writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
        .end(fault.body ?? '{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}');
      return;
    }
    const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>(
      (resolve, reject) => {
        const out = httpRequest(
          { host: upstream.hostname, port: upstream.port, method, path, headers: req.headers },
          (up) => {
            readAll(up).then((b) => resolve({ status: up.statusCode ?? 502, headers: up.headers, body: b }), reject);
          },
        );
        out.on('error', reject);
        out.end(body);
      },
    );
    if (fault) {
      requests.push({ method, path, status: fault.status, injected: true });
      res
        .writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
        .end(fault.body ?? '{"errors":[{"code":"UNAVAILABLE","message":"injected after forwarding"}]}');
      return;
    }
    let out = answer.body;
    const target =
      (options.corruptBlobs === true && /\/blobs\/sha256:[a-f0-9]{64}$/.test(path)) ||
      (options.corruptManifests === true && /\/manifests\/[^/]+$/.test(path));
    const corrupt = target && method === 'GET' && answer.status === 200 && out.length > 0;
    if (corrupt) {
      out = Buffer.from(out);
      out[0] = (out[0] ?? 0) ^ 0xff;
    }
    requests.push({ method, path, status: answer.status, injected: corrupt });
    const headers = { ...answer.headers };
    if (method !== 'HEAD') {
      delete headers['transfer-encoding'];
      headers['content-length'] = String(out.length);
    }
    res.writeHead(answer.status, headers).end(method === 'HEAD' ? undefined : out);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    requests,
    stop: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
