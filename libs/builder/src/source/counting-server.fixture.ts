// Test helper (not a suite, not built): a tiny real HTTP server on 127.0.0.1 that serves given
// bodies and counts the requests for each path.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  body?: Buffer;
  /** Default 200. */
  status?: number;
  /** Wait this long before answering (to make gets overlap). */
  delayMs?: number;
}

export interface CountingServer {
  /** http://127.0.0.1:<port> */
  url: string;
  route(path: string, route: Route): void;
  count(path: string): number;
  close(): Promise<void>;
}

export async function startCountingServer(): Promise<CountingServer> {
  const routes = new Map<string, Route>();
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = routes.get(path);
    setTimeout(() => {
      if (!route) return void res.writeHead(404).end();
      const body = route.body ?? Buffer.alloc(0);
      res.writeHead(route.status ?? 200, { 'content-length': body.length }).end(body);
    }, route?.delayMs ?? 0);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    route: (path, route) => void routes.set(path, route),
    count: (path) => counts.get(path) ?? 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
