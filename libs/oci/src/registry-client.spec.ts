import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError } from '@patch-factory/contracts';
import {
  pushImage,
  startRegistry,
  startTokenServer,
  tokenAuthConfig,
  type RegistryInstance,
  type TokenServer,
} from '@patch-factory/testing';
import { OciErrorCode } from './oci-errors';
import { RegistryClient } from './registry-client';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (error instanceof PipelineError) return error.code;
    throw error;
  }
  throw new Error('expected a failure');
}

const TAGS = ['1.0.0', '1.1.0', '2.0.0', 'latest', 'v3.0.0-rc1'];

describe('RegistryClient against a real docker-registry', () => {
  let registry: RegistryInstance;
  const digests = new Map<string, string>();

  beforeAll(async () => {
    registry = await startRegistry();
    for (const tag of TAGS) digests.set(tag, await pushImage(registry.url, 'pf/demo', tag, `layer of ${tag}`));
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('lists every tag', async () => {
    const listing = await new RegistryClient({ registry: registry.url }).listTags('pf/demo');
    expect([...listing.tags].sort()).toEqual([...TAGS].sort());
    expect(listing.truncated).toBe(false);
  });

  it('asks for n=2 pages (distribution 2.8 answers tags/list in one page all the same)', async () => {
    const listing = await new RegistryClient({ registry: registry.url }).listTags('pf/demo', { pageSize: 2 });
    expect([...listing.tags].sort()).toEqual([...TAGS].sort());
  });

  it('stops at maxTags and says so', async () => {
    const listing = await new RegistryClient({ registry: registry.url }).listTags('pf/demo', { maxTags: 3 });
    expect(listing.tags).toHaveLength(3);
    expect(listing.truncated).toBe(true);
  });

  it('resolves a tag to the sha256 of its manifest, as skopeo does', async () => {
    const client = new RegistryClient({ registry: registry.url });
    for (const tag of ['1.0.0', 'latest']) {
      const digest = await client.resolveTag('pf/demo', tag);
      expect(digest).toBe(digests.get(tag));
      const byskopeo = execFileSync(
        'skopeo',
        [
          'inspect',
          '--tls-verify=false',
          '--format',
          '{{.Digest}}',
          `docker://${registry.url.replace('http://', '')}/pf/demo:${tag}`,
        ],
        { encoding: 'utf8' },
      ).trim();
      expect(byskopeo).toBe(digest);
    }
  });

  it('says not-found for a missing repository or tag', async () => {
    const client = new RegistryClient({ registry: registry.url });
    expect(await codeOf(client.listTags('pf/missing'))).toBe(OciErrorCode.notFound);
    expect(await codeOf(client.resolveTag('pf/demo', '9.9.9'))).toBe(OciErrorCode.notFound);
  });
});

describe('RegistryClient validates before any request', () => {
  // Nothing listens on port 9 of 127.0.0.1: a request would fail with oci-unavailable.
  const client = new RegistryClient({ registry: 'http://127.0.0.1:9', timeoutMs: 2000 });

  it.each(['Upper/case', 'a//b', '../etc', 'a/', '-a', 'a..b', `a${'b'.repeat(300)}`, 'a b', 'a\u0000b'])(
    'refuses the name %j',
    async (name) => {
      expect(await codeOf(client.listTags(name))).toBe(OciErrorCode.invalidReference);
      expect(await codeOf(client.resolveTag(name, 'latest'))).toBe(OciErrorCode.invalidReference);
    },
  );

  it.each(['', '.hidden', '-x', 'a/b', 'a:b', '1.0\n', 'x'.repeat(129), '$(id)', '../../x'])(
    'refuses the tag %j',
    async (tag) => {
      expect(await codeOf(client.resolveTag('pf/demo', tag))).toBe(OciErrorCode.invalidReference);
    },
  );

  it('reports an unreachable registry as retryable', async () => {
    expect(await codeOf(client.listTags('pf/demo'))).toBe(OciErrorCode.unavailable);
  });
});

describe('RegistryClient with a token-auth registry (Bearer challenge)', () => {
  const credentials = { username: 'reader', password: 's3cret' };
  let tokens: TokenServer;
  let registry: RegistryInstance;
  let configDir: string;
  let digest: string;

  beforeAll(async () => {
    tokens = await startTokenServer(credentials);
    configDir = mkdtempSync(join(tmpdir(), 'pf-registry-config-'));
    registry = await startRegistry({ config: tokenAuthConfig(configDir, tokens) });
    const auth = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    const res = await fetch(`${tokens.realm}?service=${tokens.service}&scope=repository:pf/secure:pull,push`, {
      headers: { authorization: auth },
    });
    const { token } = (await res.json()) as { token: string };
    digest = await pushImage(registry.url, 'pf/secure', '1.2.3', 'secure layer', { authorization: `Bearer ${token}` });
    tokens.requests.length = 0;
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('the registry really asks for a token', async () => {
    const res = await fetch(`${registry.url}/v2/pf/secure/tags/list`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`realm="${tokens.realm}"`);
  });

  it('answers the challenge with a token fetched with the credentials, then lists and resolves', async () => {
    const client = new RegistryClient({ registry: registry.url, credentials });
    const listing = await client.listTags('pf/secure');
    expect(listing.tags).toEqual(['1.2.3']);
    expect(await client.resolveTag('pf/secure', '1.2.3')).toBe(digest);
    expect(tokens.requests[0]).toEqual({
      scope: 'repository:pf/secure:pull',
      service: tokens.service,
      authorization: expect.stringMatching(/^Basic /) as unknown,
    });
  });

  it('fails with oci-auth when the token server refuses the credentials', async () => {
    const client = new RegistryClient({
      registry: registry.url,
      credentials: { username: 'reader', password: 'wrong' },
    });
    expect(await codeOf(client.listTags('pf/secure'))).toBe(OciErrorCode.auth);
  });

  it('fails with oci-auth without credentials (a token without access is refused once, not looped)', async () => {
    const client = new RegistryClient({ registry: registry.url });
    expect(await codeOf(client.listTags('pf/secure'))).toBe(OciErrorCode.auth);
  });
});
