// Pushes to a real docker-registry with `auth: token`: the client answers the Bearer challenge
// with a token of scope pull,push (and the source repository's pull for a mount).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  basicAuthConfig,
  startRegistry,
  startTokenServer,
  tokenAuthConfig,
  writeTestLayout,
  type RegistryInstance,
  type TokenServer,
} from '@patch-factory/testing';
import { pullLayout } from './layout-pull';
import { pushLayout } from './layout-push';
import { RegistryClient } from './registry-client';

describe('pushing to a bearer-token registry', () => {
  let tokens: TokenServer;
  let registry: RegistryInstance;
  let work: string;
  const credentials = { username: 'pusher', password: 'secret-pw' };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-oci-auth-'));
    tokens = await startTokenServer(credentials);
    registry = await startRegistry({ config: tokenAuthConfig(work, tokens) });
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('asks for pull,push, pushes a layout, mounts with the source scope, and pulls it back', async () => {
    const client = new RegistryClient({ registry: registry.url, credentials });
    const layout = writeTestLayout(join(work, 'img'));
    const pushed = await pushLayout(client, layout.dir, 'pf/secured', '1.0');
    expect(pushed.digest).toBe(layout.digest);
    expect(tokens.requests.map((r) => r.scope)).toContain('repository:pf/secured:pull,push');
    expect(tokens.requests.every((r) => r.authorization?.startsWith('Basic '))).toBe(true);
    // One token per scope, reused for every request of the push.
    expect(tokens.requests.filter((r) => r.scope === 'repository:pf/secured:pull,push')).toHaveLength(1);

    const mounted = await pushLayout(client, layout.dir, 'pf/secured-copy', '1.0', { mountFrom: 'pf/secured' });
    expect(mounted.blobs.mounted).toBe(6);
    expect(tokens.requests.map((r) => r.scope)).toContain(
      'repository:pf/secured-copy:pull,push repository:pf/secured:pull',
    );

    const reader = new RegistryClient({ registry: registry.url, credentials });
    expect((await pullLayout(reader, 'pf/secured-copy', '1.0', join(work, 'back'))).digest).toBe(layout.digest);
    expect(tokens.requests.map((r) => r.scope)).toContain('repository:pf/secured-copy:pull');
  });

  it('refuses to push without credentials (oci-auth)', async () => {
    const layout = writeTestLayout(join(work, 'anon'), { platforms: ['linux/amd64'] });
    await expect(
      pushLayout(
        new RegistryClient({ registry: registry.url, credentials: { username: 'pusher', password: 'wrong' } }),
        layout.dir,
        'pf/anon',
        '1.0',
      ),
    ).rejects.toMatchObject({ code: 'oci-auth' });
  });
});

describe('pushing to a registry with Basic auth (htpasswd)', () => {
  let registry: RegistryInstance;
  let work: string;
  const credentials = { username: 'ci', password: 'basic-secret' };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-oci-basic-'));
    registry = await startRegistry({ config: basicAuthConfig(work, credentials) });
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('answers the Basic challenge with the credentials, pushes and pulls back the same digest', async () => {
    const client = new RegistryClient({ registry: registry.url, credentials });
    const layout = writeTestLayout(join(work, 'img'));
    const pushed = await pushLayout(client, layout.dir, 'pf/basic', '1.0');
    expect(pushed.digest).toBe(layout.digest);
    expect(await client.resolveTag('pf/basic', '1.0')).toBe(layout.digest);
    const pulled = await pullLayout(client, 'pf/basic', '1.0', join(work, 'back'));
    expect(pulled.digest).toBe(layout.digest);
  });

  it('refuses without credentials or with a wrong password (oci-auth), never echoing the password', async () => {
    const layout = writeTestLayout(join(work, 'img2'));
    await expect(
      pushLayout(new RegistryClient({ registry: registry.url }), layout.dir, 'pf/basic', '2.0'),
    ).rejects.toMatchObject({ code: 'oci-auth' });
    const wrong = pushLayout(
      new RegistryClient({ registry: registry.url, credentials: { username: 'ci', password: 'not-the-secret' } }),
      layout.dir,
      'pf/basic',
      '2.0',
    );
    await expect(wrong).rejects.toMatchObject({ code: 'oci-auth' });
    await expect(wrong).rejects.not.toThrow(/not-the-secret/);
  });
});
