import { createServer, type Server } from 'node:http';
// The real-registry helpers live beside the OCI client's own tests (one copy for both libs).
import { pushImage, startRegistry, type RegistryInstance } from '@patch-factory/testing';
import { OCI_RESOLVE_LIMIT, ociArtifactSource } from './oci-artifact.source';

const source = ociArtifactSource({});
const signal = (): AbortSignal => AbortSignal.timeout(30_000);

describe('oci_artifact source against a real docker-registry', () => {
  let registry: RegistryInstance;
  let host: string;
  const digests = new Map<string, string>();
  const TAGS = ['0.9.0', '1.0.0', '1.1', '1.1.0', '1.2.0', '2.0.0-rc1', '2.0.0', '3.0.0', 'latest', 'nightly-1'];

  beforeAll(async () => {
    registry = await startRegistry();
    host = registry.url.replace('http://', '');
    for (const tag of TAGS) {
      // 1.1 and 1.1.0 are the same image; so are 3.0.0 and latest.
      const content = tag === '1.1' ? '1.1.0' : tag === 'latest' ? '3.0.0' : tag;
      digests.set(tag, await pushImage(registry.url, 'pf/app', tag, `layer ${content}`));
    }
  });
  afterAll(async () => {
    await registry?.stop();
  });

  const config = (extra: Record<string, unknown>): ReturnType<typeof source.parseConfig> =>
    source.parseConfig({
      type: 'oci_artifact',
      name: 'pf/app',
      registry: registry.url,
      match: '^(\\d+\\.\\d+\\.\\d+)$',
      set: 'VERSION',
      ...extra,
    });

  it('observes the tags `match` selects, the newest few with their manifest digest', async () => {
    const result = await source.poll(config({}), {}, signal());
    expect(result.observations.map((o) => o.version)).toEqual(['3.0.0', '2.0.0', '1.2.0', '1.1.0', '1.0.0', '0.9.0']);
    expect(OCI_RESOLVE_LIMIT).toBe(5);
    for (const o of result.observations.slice(0, 5)) {
      expect(o).toEqual({
        ref: `${host}/pf/app`,
        version: o.version,
        digest: digests.get(o.version),
        vars: { VERSION: o.version },
      });
    }
    expect(result.observations[5]).toEqual({ ref: `${host}/pf/app`, version: '0.9.0', vars: { VERSION: '0.9.0' } });
    expect(result).toMatchObject({ rejected: [], state: {}, notModified: 0 });
  });

  it('sets tag, digest and reference variables; leaves out versions whose digest was not resolved', async () => {
    const result = await source.poll(
      config({
        match: '^v?(\\d+(?:\\.\\d+)+)$',
        set: [
          { var: 'TAG', value: 'tag', selection: 'exact' },
          { var: 'DIGEST', value: 'digest' },
          { var: 'REF', value: 'reference' },
          { var: 'HEX', value: 'digest', match: '^sha256:([0-9a-f]{12})' },
        ],
      }),
      {},
      signal(),
    );
    expect(result.observations.map((o) => o.version)).toEqual(['3.0.0', '2.0.0', '1.2.0', '1.1.0', '1.1']);
    const short = result.observations.find((o) => o.version === '1.1');
    const d = digests.get('1.1.0') ?? '';
    expect(digests.get('1.1')).toBe(d);
    // `reference` picks the most specific equivalent tag by default.
    expect(short?.vars).toEqual({ TAG: '1.1', DIGEST: d, REF: `pf/app:1.1.0@${d}`, HEX: d.slice(7, 19) });
  });

  it('reports a missing repository as source-not-found', async () => {
    await expect(source.poll(config({ name: 'pf/missing' }), {}, signal())).rejects.toMatchObject({
      code: 'source-not-found',
      retryable: false,
    });
  });

  it('validates the entry', () => {
    const base = {
      type: 'oci_artifact',
      name: 'pf/app',
      registry: 'https://registry.example',
      match: '^(.+)$',
      set: 'V',
    };
    expect(source.parseConfig(base)).toMatchObject({ registry: 'https://registry.example', name: 'pf/app' });
    for (const bad of [
      { name: 'PF/App' },
      { name: '../x' },
      { registry: 'http://registry.example' },
      { registry: 'https://registry.example/path' },
      { match: undefined },
      { match: '(a+)+$' },
      { set: [{ var: 'X', value: 'commit' }] },
    ]) {
      expect(() => source.parseConfig({ ...base, ...bad })).toThrow(
        expect.objectContaining({ code: 'source-invalid-config' }) as unknown as Error,
      );
    }
  });
});

/** A registry that lists hostile tags and answers manifests with `digest`. */
async function hostileRegistry(
  tags: unknown[],
  digest: string,
): Promise<{ url: string; server: Server; heads: string[] }> {
  const heads: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/v2/pf/app/tags/list'))
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ name: 'pf/app', tags }));
    if (req.method === 'HEAD' && path.startsWith('/v2/pf/app/manifests/')) {
      heads.push(decodeURIComponent(path.slice('/v2/pf/app/manifests/'.length)));
      return void res.writeHead(200, { 'docker-content-digest': digest }).end();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, server, heads };
}

describe('oci_artifact source against a hostile registry', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((ok) => s.close(() => ok()))));
  });

  it('quarantines hostile tags and never requests them', async () => {
    const good = `sha256:${'a'.repeat(64)}`;
    const hostile = [
      '1.0.0',
      '1.0.1\u0000',
      '$(reboot)',
      42,
      null,
      'x'.repeat(300),
      '1.0;rm',
      '1.0.2\u202e',
      '.1.0.3',
      '1.0.4/../x',
      'v1.0.5',
    ];
    const r = await hostileRegistry(hostile, good);
    servers.push(r.server);
    const cfg = source.parseConfig({
      type: 'oci_artifact',
      name: 'pf/app',
      registry: r.url,
      match: '^v?(\\d.*)$',
      set: 'V',
    });
    const result = await source.poll(cfg, {}, signal());
    expect(result.observations.map((o) => [o.version, o.digest])).toEqual([
      ['1.0.5', good],
      ['1.0.0', good],
    ]);
    expect(r.heads.sort()).toEqual(['1.0.0', 'v1.0.5']);
    expect(result.rejected.map((x) => x.reason)).toEqual([
      'control-character',
      'unsafe-characters',
      'not-a-string',
      'not-a-string',
      'too-long',
      'unsafe-characters',
      'control-character',
      'unsafe-characters',
      'unsafe-characters',
    ]);
    for (const x of result.rejected) expect(x.value).toMatch(/^[\x20-\x7e]{1,70}$/);
  });

  it('refuses a digest header that is not sha256:<64 hex>', async () => {
    const r = await hostileRegistry(['1.0.0'], 'sha256:../../etc');
    servers.push(r.server);
    const cfg = source.parseConfig({
      type: 'oci_artifact',
      name: 'pf/app',
      registry: r.url,
      match: '^(.+)$',
      set: 'V',
    });
    await expect(source.poll(cfg, {}, signal())).rejects.toMatchObject({
      code: 'oci-invalid-response',
      retryable: false,
    });
  });
});
