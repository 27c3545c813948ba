// Uploads through a fault-injecting proxy in front of a real docker-registry: failed PATCHes and
// PUTs are retried or resumed from the registry's offset (or restarted when the session is
// gone) and the blob lands with the right digest; a registry that is down, or that answers a
// blob with other bytes, fails with a clear error.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError, RetryableError, TerminalError } from '@patch-factory/contracts';
import {
  startFaultProxy,
  startRegistry,
  type FaultProxy,
  type ProxyFault,
  type RegistryInstance,
} from '@patch-factory/testing';
import { OciErrorCode } from './oci-errors';
import { RegistryClient } from './registry-client';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const retry = { attempts: 5, baseDelayMs: 5, maxDelayMs: 20 };
const upload = { monolithicMaxBytes: 1000, chunkSize: 4096 };

async function failure(p: Promise<unknown>): Promise<PipelineError> {
  const error: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PipelineError)) throw new Error(`expected a PipelineError, got ${String(error)}`);
  return error;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

describe('blob uploads through a fault-injecting proxy', () => {
  let registry: RegistryInstance;
  let work: string;
  const proxies: FaultProxy[] = [];
  const proxy = async (faults: ProxyFault[], corrupt: { corruptBlobs?: boolean; corruptManifests?: boolean } = {}) => {
    const p = await startFaultProxy(registry.url, { faults, ...corrupt });
    proxies.push(p);
    return p;
  };

  beforeAll(async () => {
    registry = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'pf-oci-resume-'));
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await registry?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('resumes a chunked upload after a 500 on a PATCH, a 429 with Retry-After: 0, and a 500 on the final PUT', async () => {
    const p = await proxy([
      { method: 'PATCH', nth: 2, status: 500 },
      { method: 'PATCH', nth: 4, status: 429, headers: { 'retry-after': '0' } },
      { method: 'PUT', nth: 1, status: 503 },
    ]);
    const bytes = randomBytes(20_000);
    const path = join(work, 'blob-a');
    writeFileSync(path, bytes);
    const digest = digestOf(bytes);
    const client = new RegistryClient({ registry: p.url, retry });
    const result = await client.pushBlob('pf/resume', { path }, { digest, size: bytes.length }, upload);
    expect(result).toEqual({ digest, size: bytes.length, outcome: 'pushed' });
    expect(p.requests.filter((r) => r.injected)).toHaveLength(3);
    // Resumed: the status was asked (GET on the upload) and the session was never restarted.
    expect(
      p.requests.filter((r) => r.method === 'GET' && r.path.includes('/blobs/uploads/')).length,
    ).toBeGreaterThanOrEqual(3);
    expect(p.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const back = await new RegistryClient({ registry: registry.url }).getBlob('pf/resume', digest);
    expect(back.equals(bytes)).toBe(true);
  });

  it('restarts the upload when the registry took the chunk but the answer was lost (the session is gone)', async () => {
    const p = await proxy([{ method: 'PATCH', nth: 2, status: 500, afterForward: true }]);
    const bytes = randomBytes(20_000);
    const digest = digestOf(bytes);
    const client = new RegistryClient({ registry: p.url, retry });
    const result = await client.pushBlob('pf/restart', { bytes }, { digest }, upload);
    expect(result.outcome).toBe('pushed');
    expect(p.requests.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(2);
    expect((await new RegistryClient({ registry: registry.url }).getBlob('pf/restart', digest)).equals(bytes)).toBe(
      true,
    );
  });

  it('retries a monolithic PUT answered 500', async () => {
    const p = await proxy([{ method: 'PUT', nth: 1, status: 500 }]);
    const bytes = randomBytes(500);
    const digest = digestOf(bytes);
    const result = await new RegistryClient({ registry: p.url, retry }).pushBlob(
      'pf/mono',
      { bytes },
      { digest },
      upload,
    );
    expect(result.outcome).toBe('pushed');
    expect(await new RegistryClient({ registry: registry.url }).blobExists('pf/mono', digest)).toBe(true);
  });

  it('gives up after the bounded attempts when every PATCH fails, with a RetryableError naming them', async () => {
    const p = await proxy([1, 2, 3, 4, 5, 6].map((nth) => ({ method: 'PATCH', nth, status: 503 })));
    const bytes = randomBytes(10_000);
    const error = await failure(
      new RegistryClient({ registry: p.url, retry }).pushBlob(
        'pf/flaky',
        { bytes },
        { digest: digestOf(bytes) },
        upload,
      ),
    );
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.code).toBe(OciErrorCode.unavailable);
    expect(error.message).toContain('after 5 attempt(s)');
    expect(error.message).toContain('last status 503');
    expect(error.message).toContain('pf/flaky');
  });

  it('reports a rate limit that does not pass as oci-rate-limited', async () => {
    const p = await proxy(
      [1, 2, 3].map((nth) => ({
        method: 'HEAD',
        nth,
        status: 429,
        pathIncludes: '/blobs/',
        headers: { 'retry-after': '0' },
      })),
    );
    const error = await failure(
      new RegistryClient({ registry: p.url, retry: { ...retry, attempts: 3 } }).blobExists(
        'pf/limited',
        digestOf(Buffer.from('x')),
      ),
    );
    expect(error.code).toBe(OciErrorCode.rateLimited);
    expect(error.message).toContain('after 3 attempt(s)');
  });

  it('fails with oci-unavailable after the bounded attempts when the registry is down', async () => {
    const port = await closedPort();
    const client = new RegistryClient({
      registry: `http://127.0.0.1:${port}`,
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
    });
    const error = await failure(client.resolveTag('pf/down', 'latest'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.code).toBe(OciErrorCode.unavailable);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('after 3 attempt(s)');
    expect(error.message).toContain('could not be reached');
    const push = await failure(
      client.pushBlob('pf/down', { bytes: Buffer.from('x') }, { digest: digestOf(Buffer.from('x')) }),
    );
    expect(push.code).toBe(OciErrorCode.unavailable);
  });

  it('stops retrying as soon as the caller aborts', async () => {
    const port = await closedPort();
    const controller = new AbortController();
    const client = new RegistryClient({
      registry: `http://127.0.0.1:${port}`,
      retry: { attempts: 100, baseDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    const pending = client.resolveTag('pf/down', 'latest', controller.signal);
    setTimeout(() => controller.abort(new Error('cancelled by the caller')), 20);
    await expect(pending).rejects.toThrow('cancelled by the caller');
  });

  it('refuses a blob the registry answers with other bytes, and content that does not hash to its digest', async () => {
    const bytes = randomBytes(3000);
    const digest = digestOf(bytes);
    await new RegistryClient({ registry: registry.url }).pushBlob('pf/corrupt', { bytes }, { digest });
    const p = await proxy([], { corruptBlobs: true });
    const client = new RegistryClient({ registry: p.url, retry });
    const error = await failure(client.getBlob('pf/corrupt', digest));
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.code).toBe(OciErrorCode.digestMismatch);
    const file = join(work, 'corrupt-out');
    expect((await failure(client.getBlobToFile('pf/corrupt', digest, file))).code).toBe(OciErrorCode.digestMismatch);
    expect(existsSync(file) || existsSync(`${file}.partial`)).toBe(false);
    const local = await failure(
      client.pushBlob('pf/corrupt', { bytes: randomBytes(3000) }, { digest: `sha256:${'0'.repeat(64)}` }, upload),
    );
    expect(local.code).toBe(OciErrorCode.digestMismatch);
  });

  it('refuses a manifest whose bytes do not hash to its digest, by digest and by tag', async () => {
    const client = new RegistryClient({ registry: registry.url, retry });
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }),
    );
    const digest = await client.putManifest('pf/manifest', 'v1', manifest, 'application/vnd.oci.image.index.v1+json');
    expect(digest).toBe(digestOf(manifest));
    expect(await client.getManifest('pf/manifest', digest)).toEqual({
      mediaType: 'application/vnd.oci.image.index.v1+json',
      bytes: manifest,
      digest,
    });
    const p = await proxy([], { corruptManifests: true });
    const bad = new RegistryClient({ registry: p.url, retry });
    for (const ref of [digest, 'v1']) {
      const error = await failure(bad.getManifest('pf/manifest', ref));
      expect(error.code).toBe(OciErrorCode.digestMismatch);
    }
    // A digest reference must be the sha256 of what is put.
    expect(
      (
        await failure(
          client.putManifest(
            'pf/manifest',
            `sha256:${'1'.repeat(64)}`,
            manifest,
            'application/vnd.oci.image.index.v1+json',
          ),
        )
      ).code,
    ).toBe(OciErrorCode.digestMismatch);
  });

  it('refuses an upload location that leaves the registry', async () => {
    const { createServer: createHttp } = await import('node:http');
    const evil = createHttp((req, res) =>
      res
        .writeHead(req.method === 'HEAD' ? 404 : 202, { location: 'http://127.0.0.2:1/v2/pf/evil/blobs/uploads/x' })
        .end(),
    );
    await new Promise<void>((ok) => evil.listen(0, '127.0.0.1', ok));
    const addr = evil.address();
    try {
      const client = new RegistryClient({
        registry: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
        retry,
      });
      const error = await failure(
        client.pushBlob('pf/evil', { bytes: Buffer.from('x') }, { digest: digestOf(Buffer.from('x')) }),
      );
      expect(error.code).toBe(OciErrorCode.invalidResponse);
      expect(error.message).toContain('leaves the registry');
    } finally {
      await new Promise<void>((ok) => evil.close(() => ok()));
    }
  });
});
