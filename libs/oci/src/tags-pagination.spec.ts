// Debian's docker-registry (distribution 2.8) ignores `n`/`last` on tags/list (tag pagination
// came with distribution 3), so `Link` paging is exercised against a small server that pages
// the way the OCI distribution spec says: sorted tags, `n`, `last`, `Link: <…>; rel="next"`.
import { createServer, type Server } from 'node:http';
import { PipelineError } from '@patch-factory/contracts';
import { OciErrorCode } from './oci-errors';
import { RegistryClient } from './registry-client';

const TAGS = ['1.0.0', '1.1.0', '2.0.0', 'latest', 'v3'];

type Linker = (name: string, last: string, n: number) => string;

async function serve(linker: Linker): Promise<{ url: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    seen.push(`${url.pathname}${url.search}`);
    const m = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    if (!m?.[1]) return void res.writeHead(404).end();
    const n = Number(url.searchParams.get('n') ?? '1000');
    const last = url.searchParams.get('last');
    const rest = TAGS.filter((t) => last === null || t > last);
    const page = rest.slice(0, n);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (page.length < rest.length) headers['link'] = linker(m[1], page[page.length - 1] ?? '', n);
    res.writeHead(200, headers).end(JSON.stringify({ name: m[1], tags: page }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, seen, server };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (error instanceof PipelineError) return error.code;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('tags/list pagination (n, last, Link)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((ok) => s.close(() => ok()))));
  });
  const start = async (linker: Linker): Promise<{ url: string; seen: string[] }> => {
    const s = await serve(linker);
    servers.push(s.server);
    return s;
  };

  it('follows rel="next" with n=2 until the last page', async () => {
    const s = await start(
      (name, last, n) => `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`,
    );
    const listing = await new RegistryClient({ registry: s.url }).listTags('pf/demo', { pageSize: 2 });
    expect(listing).toEqual({ tags: TAGS, truncated: false, pages: 3 });
    expect(s.seen).toEqual([
      '/v2/pf/demo/tags/list?n=2',
      '/v2/pf/demo/tags/list?n=2&last=1.1.0',
      '/v2/pf/demo/tags/list?n=2&last=latest',
    ]);
  });

  it('stops at maxPages and says so', async () => {
    const s = await start((name, last, n) => `</v2/${name}/tags/list?n=${n}&last=${last}>; rel="next"`);
    const listing = await new RegistryClient({ registry: s.url }).listTags('pf/demo', { pageSize: 2, maxPages: 2 });
    expect(listing).toEqual({ tags: TAGS.slice(0, 4), truncated: true, pages: 2 });
  });

  it('refuses a next link that leaves the repository or the registry', async () => {
    const other = await start(
      (_name, last, n) => `<http://127.0.0.2:1/v2/pf/demo/tags/list?n=${n}&last=${last}>; rel="next"`,
    );
    expect(await codeOf(new RegistryClient({ registry: other.url }).listTags('pf/demo', { pageSize: 2 }))).toBe(
      OciErrorCode.invalidResponse,
    );
    const elsewhere = await start((_name, last, n) => `</v2/pf/other/tags/list?n=${n}&last=${last}>; rel="next"`);
    expect(await codeOf(new RegistryClient({ registry: elsewhere.url }).listTags('pf/demo', { pageSize: 2 }))).toBe(
      OciErrorCode.invalidResponse,
    );
  });

  it('refuses a next link that loops', async () => {
    const s = await start((name, _last, n) => `</v2/${name}/tags/list?n=${n}>; rel="next"`);
    // The first page is fetched as ?n=2, and the link sends us back to it.
    expect(await codeOf(new RegistryClient({ registry: s.url }).listTags('pf/demo', { pageSize: 2 }))).toBe(
      OciErrorCode.invalidResponse,
    );
  });
});
