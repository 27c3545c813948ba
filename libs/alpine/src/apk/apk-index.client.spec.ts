import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  buildApkIndex,
  apkRecord,
  startApkIndexServer,
  apkTarOf,
  apkTestKey,
  type ApkIndexServer,
  type ApkTestKey,
} from '@patch-factory/testing';
import { ApkIndexClient, newestRecord, readApkIndex } from './apk-index.client';
import { apkIndexUrl } from './apk-repository-url';

const INDEX = [
  apkRecord('curl', '8.14.1-r1'),
  apkRecord('busybox', '1.37.0-r18'),
  apkRecord('curl', '8.14.1-r2'),
  '',
].join('\n');
const PATH = 'v3.22/main/x86_64/APKINDEX.tar.gz';

describe('Alpine APKINDEX client', () => {
  let keysDir: string;
  let key: ApkTestKey;
  let server: ApkIndexServer;

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'apk-keys-'));
    key = apkTestKey();
    writeFileSync(join(keysDir, key.name), key.publicPem);
    server = await startApkIndexServer();
  });
  afterAll(async () => {
    await server.close();
    rmSync(keysDir, { recursive: true, force: true });
  });

  const repo = () => ({ url: server.url, branch: 'v3.22', repo: 'main', arch: 'x86_64' });

  it('reads a signed index over HTTP and answers 304 when the ETag still matches', async () => {
    server.set(PATH, buildApkIndex(INDEX, { key }));
    const client = new ApkIndexClient(keysDir);
    const first = await client.fetch(repo());
    if (first.notModified) throw new Error('expected a body');
    expect(first.url).toBe(`${server.url}/${PATH}`);
    expect(first.index.signedBy).toBe(key.name);
    expect(first.index.description).toBe('v3.22.0-test');
    expect(first.index.records.map((r) => `${r.name}-${r.version}`)).toEqual([
      'curl-8.14.1-r1',
      'busybox-1.37.0-r18',
      'curl-8.14.1-r2',
    ]);
    expect(first.index.records[0]).toMatchObject({
      arch: 'x86_64',
      origin: 'curl',
      size: 1234,
      buildTime: 1700000000,
      commit: '0123456789abcdef',
      line: 1,
    });
    expect(first.validators.etag).toBeDefined();
    expect(first.validators.lastModified).toBe('Tue, 25 Nov 2025 10:00:00 GMT');

    const second = await client.fetch(repo(), first.validators);
    expect(second).toEqual({ notModified: true, url: first.url });
    expect(server.requests.at(-1)?.ifNoneMatch).toBe(first.validators.etag);
  });

  it('accepts RSA256 (SHA-256) signatures', async () => {
    const index = await readApkIndex(buildApkIndex(INDEX, { key, algorithm: 'sha256' }), keysDir);
    expect(index.records).toHaveLength(3);
  });

  it('refuses an index whose control part was changed after signing', async () => {
    const tampered = buildApkIndex(INDEX, {
      key,
      tamper: () => gzipSync(apkTarOf({ APKINDEX: apkRecord('curl', '99.0-r0') })),
    });
    await expect(readApkIndex(tampered, keysDir)).rejects.toMatchObject({
      code: 'apk-signature-bad',
      retryable: false,
    });
    const flipped = buildApkIndex(INDEX, {
      key,
      tamper: (c) => {
        const copy = Buffer.from(c);
        copy[copy.length - 12] = (copy[copy.length - 12] ?? 0) ^ 1;
        return copy;
      },
    });
    await expect(readApkIndex(flipped, keysDir)).rejects.toMatchObject({ code: 'apk-signature-bad' });
  });

  it('refuses an index signed by a key not in the keys directory', async () => {
    const stranger = apkTestKey('stranger@example.org-0002.rsa.pub');
    await expect(readApkIndex(buildApkIndex(INDEX, { key: stranger }), keysDir)).rejects.toMatchObject({
      code: 'apk-signature-unknown-key',
    });
    const impostor = { ...apkTestKey(), name: key.name };
    await expect(readApkIndex(buildApkIndex(INDEX, { key: impostor }), keysDir)).rejects.toMatchObject({
      code: 'apk-signature-bad',
    });
    // A key name that is a path below the keys directory is never read…
    const nested = { ...stranger, name: 'etc/passwd' };
    await expect(readApkIndex(buildApkIndex(INDEX, { key: nested }), keysDir)).rejects.toMatchObject({
      code: 'apk-signature-unknown-key',
    });
    // …and one climbing out of it makes the signature tar hold an entry escaping its root: libs/oci's tar reader refuses the index.
    const sneaky = { ...stranger, name: '../../etc/passwd' };
    await expect(readApkIndex(buildApkIndex(INDEX, { key: sneaky }), keysDir)).rejects.toMatchObject({
      code: 'apk-index-invalid',
      message: expect.stringMatching(/"\.\." path segment/) as unknown,
    });
  });

  it('refuses an unsigned index and data that is not an index', async () => {
    await expect(readApkIndex(buildApkIndex(INDEX), keysDir)).rejects.toMatchObject({ code: 'apk-index-unsigned' });
    await expect(readApkIndex(Buffer.from('not gzip at all, not at all'), keysDir)).rejects.toMatchObject({
      code: 'apk-index-invalid',
    });
    const truncated = buildApkIndex(INDEX, { key });
    await expect(readApkIndex(truncated.subarray(0, 40), keysDir)).rejects.toMatchObject({ code: 'apk-index-invalid' });
  });

  it('reports a missing index as terminal and refuses unsafe URLs and segments', async () => {
    const client = new ApkIndexClient(keysDir);
    await expect(client.fetch({ ...repo(), branch: 'v9.99' })).rejects.toMatchObject({
      code: 'apk-index-not-found',
      retryable: false,
    });
    expect(() => apkIndexUrl({ ...repo(), url: 'http://example.org/alpine' })).toThrow(/only https/);
    expect(() => apkIndexUrl({ ...repo(), url: 'https://u:p@example.org/alpine' })).toThrow(/credentials/);
    for (const arch of ['..', '../x', 'a/b', '', 'x86 64'])
      expect(() => apkIndexUrl({ ...repo(), arch })).toThrow(/arch/);
    expect(
      apkIndexUrl({ url: 'https://dl-cdn.alpinelinux.org/alpine/', branch: 'v3.22', repo: 'main', arch: 'x86_64' }),
    ).toBe('https://dl-cdn.alpinelinux.org/alpine/v3.22/main/x86_64/APKINDEX.tar.gz');
  });

  it('picks the newest version in apk order', () => {
    const records = [
      { name: 'x', version: '1.2.9-r5', line: 1 },
      { name: 'x', version: '1.2.10-r0', line: 2 },
      { name: 'x', version: '1.2.10_rc1-r9', line: 3 },
      { name: 'y', version: '9.0-r0', line: 4 },
      { name: 'x', version: '2.0-r0', arch: 'aarch64', line: 5 },
    ];
    expect(newestRecord(records, 'x', 'x86_64')?.version).toBe('1.2.10-r0');
    expect(newestRecord(records, 'x')?.version).toBe('2.0-r0');
    expect(newestRecord(records, 'z')).toBeUndefined();
  });
});
