// Test helpers: a real Debian docker-registry on 127.0.0.1 (infra/scripts/registry-start.sh),
// a tiny image pushed with the Distribution API, a token server for `auth: token` and an htpasswd file for Basic auth.
import { hashSync } from 'bcryptjs';
import { createHash, createPrivateKey, randomBytes, randomUUID, sign } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server';
import { repoRoot } from './repo-root';

const ROOT = repoRoot();

/** A running registry. */
export interface RegistryInstance {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Start docker-registry on a free port, storing under `dataDir` (default: a fresh temp dir, removed on stop); `config` replaces infra/registry.yml. */
export async function startRegistry(options: { config?: string; dataDir?: string } = {}): Promise<RegistryInstance> {
  const own = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'pf-registry-'));
  const port = await freePort();
  const env = { ...process.env, ...(options.config ? { PF_REGISTRY_CONFIG: options.config } : {}) };
  const pid = Number(
    execFileSync(join(ROOT, 'infra/scripts/registry-start.sh'), [dataDir, String(port)], {
      env,
      encoding: 'utf8',
    }).trim(),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    stop: async () => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      if (own) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function pushBlob(base: string, name: string, blob: Buffer, headers: Record<string, string>): Promise<string> {
  const digest = sha256(blob);
  const start = await fetch(`${base}/v2/${name}/blobs/uploads/`, { method: 'POST', headers });
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new Error(`blob upload start: ${start.status}`);
  const url = new URL(location, base);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: blob,
  });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  return digest;
}

/** Push a tiny OCI image (config + one layer holding `content`) as `name:tag`; returns the manifest's sha256 digest. */
export async function pushImage(
  base: string,
  name: string,
  tag: string,
  content: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const layer = Buffer.from(content);
  const layerDigest = await pushBlob(base, name, layer, headers);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layerDigest] } }),
  );
  const configDigest = await pushBlob(base, name, config, headers);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
    }),
  );
  const res = await fetch(`${base}/v2/${name}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  if (res.status !== 201) throw new Error(`manifest upload: ${res.status} ${await res.text()}`);
  return sha256(manifest);
}

/** A token server for a registry with `auth: token`, signing with a fresh self-signed certificate. */
export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM of the certificate (the registry's rootcertbundle). */
  certPath: string;
  /** Each request's query and Authorization header. */
  requests: { scope: string | null; service: string | null; authorization: string | undefined }[];
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Start a token server on 127.0.0.1 issuing JWTs for whatever scope is asked, to `username:password` only (when given). */
export async function startTokenServer(credentials?: { username: string; password: string }): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pf-token-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=pf-test-token',
    ],
    { stdio: 'ignore' },
  );
  const key = createPrivateKey(readFileSync(keyPath));
  const certDer = Buffer.from(readFileSync(certPath, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const service = 'pf-test-registry';
  const issuer = 'pf-test-issuer';
  const requests: TokenServer['requests'] = [];
  const expected = credentials
    ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    : undefined;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const scope = url.searchParams.get('scope');
    requests.push({ scope, service: url.searchParams.get('service'), authorization: req.headers.authorization });
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401).end('{"details":"bad credentials"}');
      return;
    }
    const access = (scope ?? '')
      .split(' ')
      .map((s) => /^repository:([^:]+):(.+)$/.exec(s))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ type: 'repository', name: m[1], actions: (m[2] ?? '').split(',') }));
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] }));
    const claims = b64url(
      JSON.stringify({
        iss: issuer,
        sub: 'tester',
        aud: service,
        exp: now + 600,
        nbf: now - 60,
        iat: now,
        jti: randomUUID(),
        access,
      }),
    );
    const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), key));
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 600 }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPath,
    requests,
    stop: async () => {
      await new Promise<void>((ok) => server.close(() => ok()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A registry config with `auth: token` pointing at `tokens` (written under `dir`). */
export function tokenAuthConfig(dir: string, tokens: TokenServer): string {
  const path = join(dir, 'registry-token.yml');
  writeFileSync(
    path,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      '    rootdirectory: /tmp/pf-registry',
      'http:',
      '  addr: 127.0.0.1:5000',
      'auth:',
      '  token:',
      `    realm: ${tokens.realm}`,
      `    service: ${tokens.service}`,
      `    issuer: ${tokens.issuer}`,
      `    rootcertbundle: ${tokens.certPath}`,
      '',
    ].join('\n'),
  );
  return path;
}

/** What writeTestLayout wrote. */
export interface TestLayout {
  dir: string;
  /** Digest of the descriptor index.json lists (the index, or the only manifest). */
  digest: string;
  mediaType: string;
  /** Digests of the platform manifests. */
  manifests: string[];
  /** Every config and layer blob. */
  blobs: { digest: string; size: number }[];
}

/** Options of writeTestLayout. */
export interface TestLayoutOptions {
  /** `os/arch` of each platform manifest (default linux/amd64 and linux/arm64). */
  platforms?: string[];
  /** Layers per platform (default 2). */
  layers?: number;
  /** Bytes per layer (default 4096): random, so incompressible and unique to this layout. */
  layerBytes?: number;
  /** `org.opencontainers.image.ref.name` of the index.json entry (default `test`). */
  refName?: string;
  /** With one platform: point index.json at the manifest itself, not at an index (default false). */
  single?: boolean;
}

/**
 * Write an OCI image layout under `dir` (created): an image index of one manifest per platform,
 * each with a config and random layers (any bytes are valid blobs; skopeo copies them as they are).
 */
export function writeTestLayout(dir: string, options: TestLayoutOptions = {}): TestLayout {
  const blobDir = join(dir, 'blobs', 'sha256');
  mkdirSync(blobDir, { recursive: true });
  const put = (bytes: Buffer): string => {
    const digest = sha256(bytes);
    writeFileSync(join(blobDir, digest.slice('sha256:'.length)), bytes);
    return digest;
  };
  const blobs: TestLayout['blobs'] = [];
  const manifests: {
    mediaType: string;
    digest: string;
    size: number;
    platform: { os: string; architecture: string };
  }[] = [];
  for (const platform of options.platforms ?? ['linux/amd64', 'linux/arm64']) {
    const [os = 'linux', architecture = 'amd64'] = platform.split('/');
    const layers = Array.from({ length: options.layers ?? 2 }, () => {
      const bytes = randomBytes(options.layerBytes ?? 4096);
      const digest = put(bytes);
      blobs.push({ digest, size: bytes.length });
      return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: bytes.length };
    });
    const config = Buffer.from(
      JSON.stringify({
        architecture,
        os,
        created: '2026-01-01T00:00:00Z',
        config: {},
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      }),
    );
    const configDigest = put(config);
    blobs.push({ digest: configDigest, size: config.length });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers,
      }),
    );
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: put(manifest),
      size: manifest.length,
      platform: { os, architecture },
    });
  }
  const single = options.single === true && manifests.length === 1 ? manifests[0] : undefined;
  let top: { mediaType: string; digest: string; size: number };
  if (single) {
    top = { mediaType: single.mediaType, digest: single.digest, size: single.size };
  } else {
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
    );
    top = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: put(index), size: index.length };
  }
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': options.refName ?? 'test' } }],
    }),
  );
  return { dir, digest: top.digest, mediaType: top.mediaType, manifests: manifests.map((m) => m.digest), blobs };
}

/** A registry config with `auth: htpasswd` (Basic) for `username:password` (bcrypt, as the registry requires), written under `dir`. */
export function basicAuthConfig(dir: string, credentials: { username: string; password: string }): string {
  const htpasswd = join(dir, 'htpasswd');
  writeFileSync(htpasswd, `${credentials.username}:${hashSync(credentials.password, 10)}\n`, { mode: 0o600 });
  const path = join(dir, 'registry-basic.yml');
  writeFileSync(
    path,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      '    rootdirectory: /tmp/pf-registry',
      'http:',
      '  addr: 127.0.0.1:5000',
      'auth:',
      '  htpasswd:',
      '    realm: pf-test-basic',
      `    path: ${htpasswd}`,
      '',
    ].join('\n'),
  );
  return path;
}
