import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, pullLayout } from '@patch-factory/oci';
import { pushImage, startRegistry, type RegistryInstance } from '@patch-factory/testing';
import { runCli } from './cli';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function p256(dir: string, name: string): { key: string; pub: string } {
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  chmodSync(key, 0o600);
  const pub = join(dir, `${name}.pub`);
  writeFileSync(pub, execFileSync('openssl', ['pkey', '-in', key, '-pubout']));
  return { key, pub };
}

describe('patch-factory publish, sign and verify (a real registry)', () => {
  let registry: RegistryInstance;
  let dir: string;
  let host: string;
  let layout: string;
  let source: string;

  beforeAll(async () => {
    registry = await startRegistry();
    host = new URL(registry.url).host;
    dir = mkdtempSync(join(tmpdir(), 'pf-cli-sign-'));
    source = await pushImage(registry.url, 'fixtures/source', 'v1', 'a layer of the CLI test');
    layout = join(dir, 'layout');
    await pullLayout(new RegistryClient({ registry: registry.url }), 'fixtures/source', 'v1', layout);
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a layout (same digest), signs it, and verifies it with the public key only', async () => {
    const published = await cli('publish', layout, `${host}/examples/cli:1.0`);
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    expect(published.stdout.trim().split('\n').pop()).toBe(source);

    const { key, pub } = p256(dir, 'signer');
    const signed = await cli('sign', `${host}/examples/cli:1.0`, '--key', key);
    expect(signed).toMatchObject({ code: 0, stderr: '' });
    expect(signed.stdout).toContain(`pushed sha256-${source.slice(7)}.sig and 1 bundle referrer(s) (tag)`);

    const verified = await cli('verify', `${host}/examples/cli@${source}`, '--key', pub);
    expect(verified.stdout).toMatch(/^ok {3}signature cosign simple signing/m);
    expect(verified.stdout).toMatch(/^ok {3}bundle /m);
    expect(verified.stdout).toContain(
      `verified ${host}/examples/cli@${source}: 2 verified, 0 not by this key, 0 failed`,
    );
    expect(verified.code).toBe(0);
  }, 60_000);

  it('refuses with another key, and an unsigned image', async () => {
    const other = p256(dir, 'other');
    const wrong = await cli('verify', `${host}/examples/cli:1.0`, '--key', other.pub);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^skip signature cosign simple signing: the signature does not verify with key/m);
    expect(wrong.stdout).toContain('NOT verified');

    const unsigned = await cli('verify', `${host}/fixtures/source:v1`, '--key', other.pub);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stdout).toContain(
      `FAIL signature cosign simple signing: no signature: fixtures/source has no sha256-${source.slice(7)}.sig`,
    );
  }, 60_000);

  it('refuses a key file others can read, naming the fix, and a bad reference', async () => {
    const loose = p256(dir, 'loose');
    chmodSync(loose.key, 0o644);
    const res = await cli('sign', `${host}/examples/cli:1.0`, '--key', loose.key);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('chmod 600');
    expect(res.stderr).not.toContain(readFileSync(loose.key, 'utf8').split('\n')[1] as string);
    const bad = await cli('publish', layout, 'no-registry-here');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be host[:port]/repository[:tag][@sha256:<hex>]');
  }, 60_000);
});
