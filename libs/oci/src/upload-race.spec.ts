// The registry's transient 400s, through a fault-injecting proxy in front of a real
// docker-registry: a manifest put answered 400 MANIFEST_BLOB_UNKNOWN / BLOB_UNKNOWN /
// DIGEST_INVALID (a concurrent upload of the same content landing) is retried with backoff and
// lands; a blob upload whose final PUT is answered 400 DIGEST_INVALID after the registry
// committed it finds the blob there; any other 400 (MANIFEST_INVALID, NAME_INVALID…) is final at
// once and names the registry's code and message.
import { createHash } from 'node:crypto';
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
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const errorBody = (...codes: string[]) =>
  JSON.stringify({
    errors: codes.map((code) => ({ code, message: code.toLowerCase().replace(/_/g, ' '), detail: {} })),
  });

async function failure(p: Promise<unknown>): Promise<PipelineError> {
  const error: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PipelineError)) throw new Error(`expected a PipelineError, got ${String(error)}`);
  return error;
}

describe('transient 400s of a registry (real registry behind a fault proxy)', () => {
  let registry: RegistryInstance;
  const proxies: FaultProxy[] = [];
  const through = async (faults: ProxyFault[]): Promise<{ proxy: FaultProxy; client: RegistryClient }> => {
    const proxy = await startFaultProxy(registry.url, { faults });
    proxies.push(proxy);
    return { proxy, client: new RegistryClient({ registry: proxy.url, retry }) };
  };
  /** An image manifest whose config and layer are in `repo` already (pushed directly). */
  const imageIn = async (repo: string, label: string): Promise<{ bytes: Buffer; digest: string }> => {
    const direct = new RegistryClient({ registry: registry.url });
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, label }),
    );
    const layer = Buffer.from(`the layer of ${label}`);
    await direct.pushBlob(repo, { bytes: config }, { digest: digestOf(config) });
    await direct.pushBlob(repo, { bytes: layer }, { digest: digestOf(layer) });
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST,
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: digestOf(config),
          size: config.length,
        },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length }],
      }),
    );
    return { bytes, digest: digestOf(bytes) };
  };
  const manifestPuts = (proxy: FaultProxy) =>
    proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'));

  beforeAll(async () => {
    registry = await startRegistry();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await registry?.stop();
  });

  it('retries a manifest put answered 400 MANIFEST_BLOB_UNKNOWN, then DIGEST_INVALID, and it lands', async () => {
    const image = await imageIn('race/app', 'retried');
    const { proxy, client } = await through([
      { method: 'PUT', nth: 1, status: 400, pathIncludes: '/manifests/', body: errorBody('MANIFEST_BLOB_UNKNOWN') },
      {
        method: 'PUT',
        nth: 2,
        status: 400,
        pathIncludes: '/manifests/',
        body: errorBody('BLOB_UNKNOWN', 'DIGEST_INVALID'),
      },
    ]);
    expect(await client.putManifest('race/app', 'v1', image.bytes, MANIFEST)).toBe(image.digest);
    expect(manifestPuts(proxy).map((r) => [r.status, r.injected])).toEqual([
      [400, true],
      [400, true],
      [201, false],
    ]);
    expect(await new RegistryClient({ registry: registry.url }).resolveTag('race/app', 'v1')).toBe(image.digest);
  });

  it('does not retry a 400 MANIFEST_INVALID (nor one mixing it with an upload-race code): final at once, naming the registry’s code and message', async () => {
    const image = await imageIn('race/app', 'invalid');
    const { proxy, client } = await through([
      { method: 'PUT', nth: 1, status: 400, pathIncludes: '/manifests/', body: errorBody('MANIFEST_INVALID') },
    ]);
    const error = await failure(client.putManifest('race/app', 'v2', image.bytes, MANIFEST));
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.code).toBe(OciErrorCode.invalidResponse);
    expect(error.message).toBe(
      `pushing manifest race/app:v2 to ${proxy.url}: unexpected status 400: the registry says MANIFEST_INVALID: manifest invalid`,
    );
    expect(manifestPuts(proxy)).toHaveLength(1);

    const mixed = await through([
      {
        method: 'PUT',
        nth: 1,
        status: 400,
        pathIncludes: '/manifests/',
        body: errorBody('MANIFEST_BLOB_UNKNOWN', 'NAME_INVALID'),
      },
    ]);
    const second = await failure(mixed.client.putManifest('race/app', 'v2', image.bytes, MANIFEST));
    expect(second).toBeInstanceOf(TerminalError);
    expect(second.message).toContain('MANIFEST_BLOB_UNKNOWN: manifest blob unknown; NAME_INVALID: name invalid');
    expect(manifestPuts(mixed.proxy)).toHaveLength(1);

    // A 400 with no distribution-spec body is final too.
    const bare = await through([
      { method: 'PUT', nth: 1, status: 400, pathIncludes: '/manifests/', body: 'bad request' },
    ]);
    expect(await failure(bare.client.putManifest('race/app', 'v2', image.bytes, MANIFEST))).toBeInstanceOf(
      TerminalError,
    );
    expect(manifestPuts(bare.proxy)).toHaveLength(1);
  });

  it('gives up on a manifest put that keeps answering MANIFEST_BLOB_UNKNOWN after the transport’s attempts, with a retryable error naming the code', async () => {
    const image = await imageIn('race/app', 'exhausted');
    const faults = [1, 2, 3, 4, 5].map((nth): ProxyFault => ({
      method: 'PUT',
      nth,
      status: 400,
      pathIncludes: '/manifests/',
      body: errorBody('MANIFEST_BLOB_UNKNOWN'),
    }));
    const { proxy, client } = await through(faults);
    const error = await failure(client.putManifest('race/app', 'v3', image.bytes, MANIFEST));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toContain('the registry kept answering 400 MANIFEST_BLOB_UNKNOWN: manifest blob unknown');
    expect(manifestPuts(proxy)).toHaveLength(retry.attempts);
  });

  it('finishes a blob upload whose final PUT the registry committed but answered 400 DIGEST_INVALID (another session landing the same digest)', async () => {
    const bytes = Buffer.from('a blob two sessions upload at once');
    const { proxy, client } = await through([
      { method: 'PUT', nth: 1, status: 400, afterForward: true, body: errorBody('DIGEST_INVALID') },
    ]);
    expect(await client.pushBlob('race/blobs', { bytes }, { digest: digestOf(bytes) })).toMatchObject({
      outcome: 'pushed',
    });
    expect(proxy.requests.filter((r) => r.injected).map((r) => [r.method, r.status])).toEqual([['PUT', 400]]);
    expect(await new RegistryClient({ registry: registry.url }).blobExists('race/blobs', digestOf(bytes))).toBe(true);
  });

  it('keeps a 400 BLOB_UPLOAD_INVALID at the final PUT of an upload final', async () => {
    const bytes = Buffer.from('a blob the registry refuses');
    const { client } = await through([{ method: 'PUT', nth: 1, status: 400, body: errorBody('BLOB_UPLOAD_INVALID') }]);
    const error = await failure(client.pushBlob('race/blobs', { bytes }, { digest: digestOf(bytes) }));
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.message).toContain('BLOB_UPLOAD_INVALID: blob upload invalid');
  });
});
