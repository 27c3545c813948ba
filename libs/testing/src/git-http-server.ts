import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** git's CGI program that speaks the smart HTTP protocol (Debian's git package). */
export const GIT_HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitHttpServerOptions {
  /** The folder whose repositories are served (`/<name>.git` → `<projectRoot>/<name>.git`). */
  projectRoot: string;
  /** The one user name and password (a token) accepted with Basic auth; others get 401. */
  username: string;
  password: string;
  /** Called on every authenticated request while the client is waiting for the answer (its git processes are alive). */
  onAuthenticated?: (req: { method: string; path: string }) => void;
}

/** One request the server answered. No headers are kept (they carry the credentials). */
export interface GitHttpRequest {
  method: string;
  path: string;
  status: number;
  /** The user the request authenticated as; undefined when it did not. */
  user: string | undefined;
  /** The request body's Content-Encoding (`gzip` when git compressed it). */
  encoding: string | undefined;
  /** True when the body came chunked (no Content-Length: a large push). */
  chunked: boolean;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`: a repository's URL is `${url}/<name>.git`. */
  url: string;
  requests: GitHttpRequest[];
  /** Answer the next `count` requests with this status (e.g. 503) before doing anything else. */
  failNext(status: number, count?: number): void;
  close(): Promise<void>;
}

/**
 * A git smart-HTTP server on 127.0.0.1 (a free port) for tests: Basic authentication in front
 * of git-http-backend run as a CGI program (GIT_PROJECT_ROOT, GIT_HTTP_EXPORT_ALL, REMOTE_USER,
 * PATH_INFO, QUERY_STRING, REQUEST_METHOD, CONTENT_TYPE; request and response bodies piped both
 * ways; a gzip'd request body is passed as is with HTTP_CONTENT_ENCODING, which the backend
 * inflates itself). Pushes are allowed because the request is authenticated (REMOTE_USER).
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const requests: GitHttpRequest[] = [];
  const faults: number[] = [];
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record = (status: number, user: string | undefined) =>
      requests.push({
        method,
        path: url.pathname,
        status,
        user,
        encoding: req.headers['content-encoding'],
        chunked: /chunked/i.test(req.headers['transfer-encoding'] ?? ''),
      });
    const fault = faults.shift();
    if (fault !== undefined) {
      record(fault, undefined);
      req.resume();
      res.writeHead(fault, { 'content-type': 'text/plain' }).end(`injected ${fault}\n`);
      return;
    }
    if (req.headers.authorization !== expected) {
      record(401, undefined);
      req.resume();
      res
        .writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' })
        .end('authentication required\n');
      return;
    }
    options.onAuthenticated?.({ method, path: url.pathname });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_PROJECT_ROOT: options.projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      REMOTE_USER: options.username,
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      REQUEST_METHOD: method,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    };
    if (req.headers['content-length'] !== undefined) env['CONTENT_LENGTH'] = req.headers['content-length'];
    if (req.headers['content-encoding'] !== undefined) env['HTTP_CONTENT_ENCODING'] = req.headers['content-encoding'];
    const protocol = req.headers['git-protocol'];
    if (typeof protocol === 'string') env['GIT_PROTOCOL'] = protocol;

    const cgi = spawn(GIT_HTTP_BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    cgi.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-4000);
    });
    cgi.stdin.on('error', () => undefined);
    req.pipe(cgi.stdin);

    // The CGI answer: header lines, a blank line, then the body (piped through as it comes).
    let head = Buffer.alloc(0);
    let started = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (started) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const crlf = head.indexOf('\r\n\r\n');
      const lf = head.indexOf('\n\n');
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
      if (end < 0) return;
      const sep = end === crlf ? 4 : 2;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === 'status') status = Number.parseInt(value, 10) || 500;
        else headers[name] = value;
      }
      started = true;
      record(status, options.username);
      res.writeHead(status, headers);
      const rest = head.subarray(end + sep);
      if (rest.length > 0) res.write(rest);
    });
    cgi.on('close', (code) => {
      if (!started) {
        record(500, options.username);
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`git-http-backend exited ${String(code)}: ${stderr}\n`);
        return;
      }
      res.end();
    });
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (status, count = 1) => {
      for (let i = 0; i < count; i++) faults.push(status);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
