import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSource } from '../source-registry';
import {
  buildApkIndex,
  apkRecord,
  startApkIndexServer,
  apkTestKey,
  type ApkIndexServer,
  type ApkTestKey,
} from '@patch-factory/testing';
import { AlpinePackageSource } from './alpine-package.source';

const PATH = 'v3.22/main/x86_64/APKINDEX.tar.gz';

describe('alpine_package source', () => {
  let keysDir: string;
  let key: ApkTestKey;
  let server: ApkIndexServer;
  const source = new AlpinePackageSource({});
  const signal = () => AbortSignal.timeout(30_000);
  const config = (over: Record<string, unknown> = {}) =>
    source.parseConfig({
      type: 'alpine_package',
      package: 'pkg:apk/alpine/zlib',
      set: 'ZLIB_VERSION',
      repository: { url: server.url, branch: 'v3.22', repo: 'main', arch: 'x86_64' },
      keysDir,
      ...over,
    });

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

  it('is registered for the alpine_package track type', () => {
    expect(createSource('alpine_package').kind).toBe('alpine_package');
  });

  it('observes the newest version in apk order and answers 304 (no observations) while the index is unchanged', async () => {
    const index = [
      apkRecord('zlib', '1.2.9-r5'),
      apkRecord('zlib', '1.2.10-r0'),
      apkRecord('zlib', '1.2.10_rc3-r9'),
      apkRecord('zlibx', '9.9-r0'),
      'P:zlib\nV:not a version\n',
      '',
    ].join('\n');
    server.set(PATH, buildApkIndex(index, { key }));
    const url = `${server.url}/${PATH}`;
    const first = await source.poll(config(), {}, signal());
    expect(first.observations).toEqual([
      { ref: url, version: '1.2.10-r0', publishedAt: 1_700_000_000_000, vars: { ZLIB_VERSION: '1.2.10-r0' } },
    ]);
    // Four records of 14 lines (13 fields and a blank line, see apkRecord) before it: the bad one starts at line 57.
    expect(first.rejected).toEqual([{ value: '"zlib (APKINDEX line 57)"', reason: 'not-a-version' }]);
    expect(first.notModified).toBe(0);
    expect(first.state).toEqual({ [`etag:${url}`]: '"g1"', [`last-modified:${url}`]: 'Tue, 25 Nov 2025 10:00:00 GMT' });

    const second = await source.poll(config(), first.state, signal());
    expect(second).toEqual({ observations: [], rejected: [], state: first.state, notModified: 1 });
    expect(server.statuses.slice(-2)).toEqual([200, 304]);

    server.set(PATH, buildApkIndex(apkRecord('zlib', '1.3.1-r2'), { key }));
    const third = await source.poll(config(), first.state, signal());
    expect(third.observations.map((o) => o.version)).toEqual(['1.3.1-r2']);
    expect(third.state[`etag:${url}`]).toBe('"g2"');
  });

  it('refuses a tampered, foreign-signed or unsigned index with its own code', async () => {
    const good = apkRecord('zlib', '1.3.1-r2');
    server.set(
      PATH,
      buildApkIndex(good, {
        key,
        tamper: (c) => Buffer.concat([c.subarray(0, c.length - 20), Buffer.from(c.subarray(c.length - 20)).reverse()]),
      }),
    );
    await expect(source.poll(config(), {}, signal())).rejects.toMatchObject({
      code: 'apk-signature-bad',
      retryable: false,
    });
    server.set(PATH, buildApkIndex(good, { key: apkTestKey('other@example.org-0002.rsa.pub') }));
    await expect(source.poll(config(), {}, signal())).rejects.toMatchObject({ code: 'apk-signature-unknown-key' });
    server.set(PATH, buildApkIndex(good));
    await expect(source.poll(config(), {}, signal())).rejects.toMatchObject({ code: 'apk-index-unsigned' });
  });

  it('fails terminally when the package or the index is missing', async () => {
    server.set(PATH, buildApkIndex(apkRecord('busybox', '1.37.0-r18'), { key }));
    await expect(source.poll(config(), {}, signal())).rejects.toMatchObject({
      code: 'source-not-found',
      retryable: false,
    });
    await expect(
      source.poll(
        config({ repository: { url: server.url, branch: 'edge', repo: 'main', arch: 'x86_64' } }),
        {},
        signal(),
      ),
    ).rejects.toMatchObject({ code: 'apk-index-not-found' });
  });

  it('validates the track entry', () => {
    expect(config({ package: 'pkg:apk/alpine/libssl3@3.5.1-r0?arch=x86_64&distro=alpine-3.22' }).name).toBe('libssl3');
    expect(() => config({ package: 'pkg:deb/debian/zlib' })).toThrow(/package/);
    expect(() => config({ package: 'pkg:apk/alpine/bad%20name' })).toThrow(/package/);
    expect(() => config({ keysDir: 'relative/keys' })).toThrow(/keysDir/);
    expect(() => config({ repository: { url: server.url, branch: '../x', repo: 'main', arch: 'x86_64' } })).toThrow(
      /repository.branch/,
    );
    expect(() => config({ set: 'not a var' })).toThrow(/set/);
  });
});
