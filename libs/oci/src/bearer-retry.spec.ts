// A registry that keeps answering 401 even with a token: the client fetches one token, retries
// once, then fails with oci-auth — without looping and without the token in the message.
import { createServer, type Server } from 'node:http';
import { PipelineError } from '@patch-factory/contracts';
import { OciErrorCode } from './oci-errors';
import { RegistryClient } from './registry-client';

const TOKEN = 'tok.secret-value.sig';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

describe('bearer challenge retry', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok()))));
  });

  it('retries once with the token, then reports oci-auth', async () => {
    const tokenRequests: string[] = [];
    const tokenServer = createServer((req, res) => {
      tokenRequests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: TOKEN }));
    });
    servers.push(tokenServer);
    const realm = `${await listen(tokenServer)}/auth`;
    const seen: (string | undefined)[] = [];
    const registry = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res
        .writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="reg",scope="repository:pf/demo:pull"` })
        .end();
    });
    servers.push(registry);
    const client = new RegistryClient({ registry: await listen(registry) });
    const error: unknown = await client.listTags('pf/demo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).code).toBe(OciErrorCode.auth);
    expect((error as PipelineError).message).not.toContain(TOKEN);
    expect(seen).toEqual([undefined, `Bearer ${TOKEN}`]);
    expect(tokenRequests).toEqual(['/auth?service=reg&scope=repository%3Apf%2Fdemo%3Apull']);
  });

  it('refuses a token that could not travel in a header', async () => {
    const tokenServer = createServer((_req, res) =>
      res.writeHead(200).end(JSON.stringify({ token: 'a\r\nX-Injected: 1' })),
    );
    servers.push(tokenServer);
    const realm = `${await listen(tokenServer)}/auth`;
    const registry = createServer((_req, res) =>
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}"` }).end(),
    );
    servers.push(registry);
    const error: unknown = await new RegistryClient({ registry: await listen(registry) })
      .resolveTag('pf/demo', '1.0')
      .catch((e: unknown) => e);
    expect((error as PipelineError).code).toBe(OciErrorCode.invalidResponse);
  });
});
