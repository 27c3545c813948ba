import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { repoRoot } from '@patch-factory/testing';
import { severityOfUrgency } from '@patch-factory/vuln';
import { createAdvisoryFeed } from './feed-registry';

const OSV_NODE = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-advisories', 'osv', 'node');

describe('advisory feeds', () => {
  const signal = new AbortController().signal;
  let dir: string;
  let server: Server;
  let base: string;
  const served = new Map<string, { body: Buffer; etag: string }>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-feeds-'));
    server = createServer((req, res) => {
      const file = served.get(req.url ?? '');
      if (!file) return void res.writeHead(404).end();
      if (req.headers['if-none-match'] === file.etag) return void res.writeHead(304).end();
      res.writeHead(200, { etag: file.etag, 'content-length': file.body.length }).end(file.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a folder of real OSV records', async () => {
    const feed = createAdvisoryFeed('osv');
    const result = await feed.read(feed.parseConfig({ type: 'osv', location: OSV_NODE }), {}, signal);
    expect(result.advisories.length).toBe(readdirSync(OSV_NODE).filter((n) => n.endsWith('.json')).length);
    expect(result.rejected).toEqual([]);
  });

  it('reads a zip export over HTTP, then answers 304 from its ETag; bad records are rejected by name', async () => {
    const files: Record<string, Uint8Array> = {};
    for (const name of readdirSync(OSV_NODE).slice(0, 5)) files[name] = readFileSync(join(OSV_NODE, name));
    files['broken.json'] = Buffer.from('{"id": "x y"}');
    served.set('/all.zip', { body: Buffer.from(zipSync(files)), etag: '"v1"' });
    const feed = createAdvisoryFeed('osv');
    const config = feed.parseConfig({ type: 'osv', location: `${base}/all.zip` });
    const first = await feed.read(config, {}, signal);
    expect(first.advisories).toHaveLength(5);
    expect(first.rejected.map((r) => r.value)).toEqual([expect.stringContaining('broken.json') as unknown]);
    const again = await feed.read(config, first.state, signal);
    expect(again).toMatchObject({ advisories: [], notModified: 1 });
  });

  it('reads the OSV query API shape', async () => {
    const record = JSON.parse(readFileSync(join(OSV_NODE, readdirSync(OSV_NODE)[0] as string), 'utf8')) as unknown;
    writeFileSync(join(dir, 'query.json'), JSON.stringify({ vulns: [record, record] }));
    const feed = createAdvisoryFeed('osv');
    expect(
      (await feed.read(feed.parseConfig({ type: 'osv', location: join(dir, 'query.json') }), {}, signal)).advisories,
    ).toHaveLength(2);
  });

  it('turns the Debian security tracker JSON into OSV advisories for one release, open issues as ranges with no fix', async () => {
    const tracker = {
      openssl: {
        'CVE-2026-1000': {
          description: 'fixed in a point release',
          releases: {
            bookworm: {
              status: 'resolved',
              fixed_version: '3.0.17-1~deb12u3',
              urgency: 'high',
              repositories: { bookworm: '3.0.16-1~deb12u1', 'bookworm-security': '3.0.17-1~deb12u3' },
            },
            trixie: { status: 'open', urgency: 'high', repositories: { trixie: '3.5.1-1' } },
          },
          scope: 'remote',
        },
        'CVE-2026-1001': {
          description: 'no fix yet',
          releases: { bookworm: { status: 'open', urgency: 'low', repositories: { bookworm: '3.0.16-1~deb12u1' } } },
        },
      },
      'bad name!': { 'CVE-2026-1002': {} },
      curl: {
        'CVE-2026-1003': {
          releases: { bookworm: { status: 'resolved', fixed_version: '7.88.1-10+deb12u9; rm -rf /' } },
        },
        'CVE-2026-1004': {
          releases: {
            bookworm: {
              status: 'undetermined',
              urgency: 'not yet assigned',
              repositories: { bookworm: '7.88.1-10+deb12u8' },
            },
          },
        },
        'CVE-2026-1005': { releases: { bookworm: { status: 'resolved', fixed_version: '0', urgency: 'unimportant' } } },
        'CVE-2026-1006': { releases: { bookworm: { status: 'not-affected', urgency: 'high' } } },
        'CVE-2026-1007': { releases: { bookworm: { status: 'open', urgency: 'medium**' } } },
      },
    };
    writeFileSync(join(dir, 'tracker.json'), JSON.stringify(tracker));
    const feed = createAdvisoryFeed('debian_tracker');
    const result = await feed.read(
      feed.parseConfig({
        type: 'debian_tracker',
        location: join(dir, 'tracker.json'),
        release: 'bookworm',
        version: '12',
      }),
      {},
      signal,
    );
    const epoch = new Date(0).toISOString();
    const entry = (name: string, events: unknown[], severity?: string) => ({
      package: { ecosystem: 'Debian:12', name },
      ranges: [{ type: 'ECOSYSTEM', events }],
      ...(severity ? { database_specific: { severity } } : {}),
    });
    expect(result.advisories).toEqual([
      {
        id: 'CVE-2026-1000',
        modified: epoch,
        affected: [entry('openssl', [{ introduced: '0' }, { fixed: '3.0.17-1~deb12u3' }], 'high')],
      },
      { id: 'CVE-2026-1001', modified: epoch, affected: [entry('openssl', [{ introduced: '0' }], 'low')] },
      // an urgency not yet assigned: no severity (libs/vuln's severityOfUrgency: unknown)
      { id: 'CVE-2026-1004', modified: epoch, affected: [entry('curl', [{ introduced: '0' }])] },
      // the review mark (`**`) is dropped
      { id: 'CVE-2026-1007', modified: epoch, affected: [entry('curl', [{ introduced: '0' }], 'medium')] },
    ]);
    expect(result.rejected.map((r) => r.reason).sort()).toEqual(['not-a-version', 'unsafe-characters']);
  });

  it('gives the same severity as the scan (libs/vuln severityOfUrgency) for every urgency the tracker writes', async () => {
    const urgencies = ['unimportant', 'low', 'medium', 'high', 'not yet assigned', 'end-of-life', 'low*', 'high**', ''];
    const tracker = {
      zlib: Object.fromEntries(
        urgencies.map((urgency, i) => [
          `CVE-2026-${2000 + i}`,
          { releases: { bookworm: { status: 'open', urgency } } },
        ]),
      ),
    };
    writeFileSync(join(dir, 'urgencies.json'), JSON.stringify(tracker));
    const feed = createAdvisoryFeed('debian_tracker');
    const result = await feed.read(
      feed.parseConfig({
        type: 'debian_tracker',
        location: join(dir, 'urgencies.json'),
        release: 'bookworm',
        version: '12',
      }),
      {},
      signal,
    );
    const fromFeed = urgencies.map(
      (_, i) =>
        result.advisories.find((a) => a.id === `CVE-2026-${2000 + i}`)?.affected[0]?.database_specific?.severity ??
        'unknown',
    );
    expect(fromFeed).toEqual(urgencies.map((u) => severityOfUrgency(u)));
    expect(fromFeed).toEqual(['low', 'low', 'medium', 'high', 'unknown', 'unknown', 'low', 'high', 'unknown']);
  });

  it('reads every folder of the real advisories corpus (dhi-advisories): 693 records, none rejected', async () => {
    const feed = createAdvisoryFeed('osv');
    const all = join(OSV_NODE, '..');
    let advisories = 0;
    for (const folder of readdirSync(all).sort()) {
      const result = await feed.read(feed.parseConfig({ type: 'osv', location: join(all, folder) }), {}, signal);
      expect(result.rejected).toEqual([]);
      advisories += result.advisories.length;
    }
    expect(advisories).toBe(693);
  });

  it('refuses a feed location that is neither absolute nor https (or http to loopback)', () => {
    const feed = createAdvisoryFeed('osv');
    for (const location of ['relative/path', 'http://example.com/all.zip', 'file:///etc/passwd']) {
      expect(() => feed.parseConfig({ type: 'osv', location })).toThrow(/is refused/);
    }
  });
});
