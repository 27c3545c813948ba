// The local registry as `./factory start` configures it (infra/scripts/local-publishing.sh, issue 14):
// Basic auth with credentials made at first start, so that nobody without them pushes, rewrites a
// tag or deletes. Each test runs the real script on a free port and a folder of its own.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pushImage } from './oci-registry-fixture';
import { freePort } from './redis-server';
import { repoRoot } from './repo-root';

const ROOT = repoRoot();
const mode = (path: string) => statSync(path).mode & 0o777;

/**
 * Runs pf_local_registry; returns the variables it exported for the factory. Asynchronously, so that
 * this process sees a restarted registry close its kept-alive connections.
 */
async function localRegistry(
  dir: string,
  port: number,
  env: Record<string, string> = {},
): Promise<{ url: string; username: string; passwordLength: string }> {
  const { stdout: out } = await promisify(execFile)(
    'bash',
    [
      '-c',
      'source "$1/infra/scripts/local-publishing.sh" && pf_local_registry "$1" && printf "%s\\n" "$PF_REGISTRY_URL" "$PF_REGISTRY_USERNAME" "${#PF_REGISTRY_PASSWORD}"',
      'sh',
      ROOT,
    ],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        PF_LOCAL_REGISTRY_PORT: String(port),
        PF_LOCAL_REGISTRY_DIR: dir,
        ...env,
      },
      encoding: 'utf8',
    },
  );
  const [url = '', username = '', passwordLength = ''] = out.trim().split('\n');
  return { url, username, passwordLength };
}

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('the local registry of ./factory start refuses anonymous writes (issue 14)', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-local-registry-'));
    dirs.push(dir);
    return dir;
  };

  afterAll(() => {
    for (const dir of dirs) {
      try {
        process.kill(Number(readFileSync(join(dir, 'registry.pid'), 'utf8')), 'SIGTERM');
      } catch {
        /* not started, or gone */
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes the credentials at first start (0600, bcrypt) and exports them for the factory', async () => {
    const dir = fresh();
    const port = await freePort();
    const exported = await localRegistry(dir, port);
    const password = readFileSync(join(dir, 'auth', 'password'), 'utf8');
    expect(exported).toEqual({
      url: `http://127.0.0.1:${port}`,
      username: 'pf',
      passwordLength: String(password.length),
    });
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(mode(join(dir, 'auth'))).toBe(0o700);
    expect(mode(join(dir, 'auth', 'password'))).toBe(0o600);
    expect(mode(join(dir, 'auth', 'htpasswd'))).toBe(0o600);
    expect(readFileSync(join(dir, 'auth', 'htpasswd'), 'utf8')).toMatch(/^pf:\$2y\$\d\d\$/);
    // Run again: the same registry and credentials.
    expect(await localRegistry(dir, port)).toEqual(exported);
    expect(readFileSync(join(dir, 'auth', 'password'), 'utf8')).toBe(password);
  });

  it('refuses an anonymous push, tag rewrite and delete (401); accepts them with the credentials', async () => {
    const dir = fresh();
    const port = await freePort();
    const { url } = await localRegistry(dir, port);
    const auth = basic('pf', readFileSync(join(dir, 'auth', 'password'), 'utf8'));

    await expect(pushImage(url, 'factory/app', 'v1', 'anonymous')).rejects.toThrow(/: 401/);
    await expect(pushImage(url, 'factory/app', 'v1', 'wrong password', basic('pf', 'nope'))).rejects.toThrow(/: 401/);
    const digest = await pushImage(url, 'factory/app', 'v1', 'the real one', auth);

    const manifest = await fetch(`${url}/v2/factory/app/manifests/v1`, {
      headers: { ...auth, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(manifest.status).toBe(200);
    const body = Buffer.from(await manifest.arrayBuffer());
    const rewrite = await fetch(`${url}/v2/factory/app/manifests/latest`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body,
    });
    expect(rewrite.status).toBe(401);
    const remove = await fetch(`${url}/v2/factory/app/manifests/${digest}`, { method: 'DELETE' });
    expect(remove.status).toBe(401);
    const read = await fetch(`${url}/v2/factory/app/manifests/v1`, { method: 'HEAD' });
    expect(read.status).toBe(401);

    const retag = await fetch(`${url}/v2/factory/app/manifests/latest`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body,
    });
    expect(retag.status).toBe(201);
    expect(retag.headers.get('docker-content-digest')).toBe(digest);
  });

  it('restarts an anonymous registry of an earlier run with auth, keeping its images', async () => {
    const dir = fresh();
    const port = await freePort();
    // What ./factory start did before: no auth.
    execFileSync('bash', [join(ROOT, 'infra/scripts/registry-start.sh'), dir, String(port)], { encoding: 'utf8' });
    const url = `http://127.0.0.1:${port}`;
    const digest = await pushImage(url, 'factory/old', 'v1', 'pushed before');

    await localRegistry(dir, port);
    const auth = basic('pf', readFileSync(join(dir, 'auth', 'password'), 'utf8'));
    expect((await fetch(`${url}/v2/`)).status).toBe(401);
    await expect(pushImage(url, 'factory/old', 'v2', 'anonymous')).rejects.toThrow(/: 401/);
    const kept = await fetch(`${url}/v2/factory/old/manifests/v1`, {
      method: 'HEAD',
      headers: { ...auth, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(kept.status).toBe(200);
    expect(kept.headers.get('docker-content-digest')).toBe(digest);
  });
});
