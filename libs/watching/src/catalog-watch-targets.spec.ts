import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import type { Env } from '@patch-factory/config';
import { QueueName } from '@patch-factory/contracts';
import { JOB_OPTIONS } from '@patch-factory/pipeline';
import { JobProducer, bullJobOptions } from '@patch-factory/queue';
import { PatchRequestRepository, WatchStateRepository } from '@patch-factory/store';
import {
  createCatalogOrigin,
  dropPrefix,
  sharedRedisUrl,
  startTestAptRepo,
  testPrefix,
  type CatalogOrigin,
  type TestAptRepo,
} from '@patch-factory/testing';
import { deriveWatchTargets } from './catalog-watch-targets';
import { WatchPoller } from './watch-poller';
import { schedulerIdOf, WatchSchedules } from './watch-schedules';
import { loadWatchConfig } from '@patch-factory/sources';
import { CATALOG_CHECK_MS, WatchTargetSet } from './watch-target-set';
import { catalogReaderOf, pollWithRegistry } from './watching.module';

const HELLO = 'image/hello-pf/debian-13/1.yaml';
const TOOL = 'image/tool-pf/debian-13/2.yaml';

/** A definition that tracks a Debian package the way the catalog format writes it. */
function definition(pkg: string, version: string): string {
  return [
    `name: ${pkg} 1.x`,
    'image: dhi.io/example',
    'vars:',
    `  VERSION: "${version}"`,
    'contents:',
    '  packages:',
    `    - ${pkg}=\${VERSION}`,
    'track:',
    '  - type: debian_package',
    `    package: pkg:deb/debian/${pkg}`,
    '    set: VERSION',
    '',
  ].join('\n');
}

/**
 * Watch targets from the definitions' own track: entries, on a real git catalog and the
 * project's signed APT repository on 127.0.0.1; the watch list says only where to look.
 */
describe('watch targets derived from the catalog', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  const producer = new JobProducer(
    redis,
    { PF_PREFIX: prefix } as never,
    { service: 'test', owns: [], jobOptions: JOB_OPTIONS } as never,
  );
  const queue = new Queue(QueueName.watch, { connection: redis, prefix });
  let repo: TestAptRepo;
  let origin: CatalogOrigin;
  let watchConfig: string;
  beforeAll(async () => {
    repo = await startTestAptRepo();
    repo.writeSuite('stable');
    origin = createCatalogOrigin({ [HELLO]: definition('hello-pf', '1.0-1') });
    watchConfig = join(origin.root, 'watch.json');
    writeFileSync(
      watchConfig,
      JSON.stringify({
        tracks: [
          {
            type: 'debian_package',
            definitions: 'image/',
            with: { repository: repo.baseUrl, suite: 'stable', keyring: repo.keyring },
            intervalMs: 600_000,
          },
        ],
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await producer.onApplicationShutdown();
    await queue.close();
    await repo?.close();
    origin?.cleanup();
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  it("polls a definition's `track: - type: debian_package, package: pkg:deb/debian/<name>` at the configured repository, and follows the catalog as it changes", async () => {
    const config = {
      PF_CATALOG_REMOTE: origin.dir,
      PF_CATALOG_WORKDIR: join(mkdtempSync(join(tmpdir(), 'pf-watch-catalog-')), 'catalog.git'),
      PF_GIT_AUTHOR_NAME: 'patch-factory',
      PF_GIT_AUTHOR_EMAIL: 'patch-factory@localhost.localdomain',
    } as unknown as Env;
    const problems: { file: string; message: string }[] = [];
    let now = 1_000_000;
    const watch = loadWatchConfig(watchConfig);
    const set = new WatchTargetSet(
      watch.targets,
      watch.tracks,
      catalogReaderOf(config),
      (p) => problems.push(...p),
      () => now,
    );
    const first = await set.current();
    expect(first.changed).toBe(true);
    expect(first.targets).toEqual([
      {
        key: 'debian_package:pkg:deb/debian/hello-pf',
        kind: 'debian_package',
        ref: 'pkg:deb/debian/hello-pf',
        config: {
          type: 'debian_package',
          package: 'pkg:deb/debian/hello-pf',
          set: 'VERSION',
          repository: repo.baseUrl,
          suite: 'stable',
          keyring: repo.keyring,
        },
        intervalMs: 600_000,
      },
    ]);
    expect(problems).toEqual([]);

    // The source reads the signed repository and the event carries the purl the planner asks the catalog index about.
    const poller = new WatchPoller(
      pollWithRegistry({}),
      new WatchStateRepository(redis, prefix),
      new PatchRequestRepository(redis, prefix),
      producer,
    );
    const report = await poller.pollTarget(first.targets[0] ?? (undefined as never), AbortSignal.timeout(30_000));
    expect(report.emitted).toEqual([
      expect.objectContaining({
        source: 'debian-package',
        ref: 'pkg:deb/debian/hello-pf',
        version: '1.0-2',
        vars: { VERSION: '1.0-2' },
      }),
    ]);
    const schedules = new WatchSchedules(producer, bullJobOptions(JOB_OPTIONS['watch.poll'], 1000));
    await schedules.sync(first.targets);

    // The catalog's head has not moved: nothing derived again, nothing changed.
    now += CATALOG_CHECK_MS;
    expect((await set.current()).changed).toBe(false);

    // Definitions change: hello-pf's track: entry goes, tool-pf's comes (and one names its package wrongly).
    origin.commit('main', {
      [HELLO]: definition('hello-pf', '1.0-1').replace(/track:[^]*$/, ''),
      [TOOL]: definition('tool-pf', '0.1-1'),
      'image/bad/debian-13/1.yaml': definition('Bad%20Name', '1'),
    });
    expect((await set.current()).changed).toBe(false); // not looked at before CATALOG_CHECK_MS
    now += CATALOG_CHECK_MS;
    const next = await set.current();
    expect(next.changed).toBe(true);
    expect(next.targets.map((t) => t.key)).toEqual(['debian_package:pkg:deb/debian/tool-pf']);
    expect(problems).toEqual([
      {
        file: 'image/bad/debian-13/1.yaml',
        message: expect.stringMatching(
          /^track\[0\] \(debian_package\): the debian_package track entry is invalid at package: expected a purl/,
        ) as unknown,
      },
    ]);
    expect(await schedules.sync(next.targets)).toEqual({
      added: ['debian_package:pkg:deb/debian/tool-pf'],
      removed: [schedulerIdOf('debian_package:pkg:deb/debian/hello-pf')],
    });
    const tool = await poller.pollTarget(next.targets[0] ?? (undefined as never), AbortSignal.timeout(30_000));
    expect(tool.emitted.map((e) => [e.ref, e.version])).toEqual([['pkg:deb/debian/tool-pf', '2:0.9~rc1-1']]);
  }, 120_000);

  it('names what a track entry lacks: a package source with no location, an unreadable file; other track types are not watched', () => {
    const files = new Map([
      ['image/a/debian-13/1.yaml', definition('hello-pf', '1')],
      [
        'image/b/alpine-3.23/1.yaml',
        'vars: {VERSION: "1"}\ntrack:\n  - type: var_increment\n  - type: github_release\n    owner: upstream\n    repo: tool\n    set: VERSION\n',
      ],
      ['image/c/debian-13/1.yaml', 'track: [unclosed'],
      ['README.md', 'track: []'],
    ]);
    const derived = deriveWatchTargets(files, []);
    expect(derived.targets.map((t) => [t.key, t.ref, t.intervalMs])).toEqual([
      ['github_release:upstream/tool', 'upstream/tool', 3_600_000],
    ]);
    expect(derived.problems).toEqual([
      {
        file: 'image/a/debian-13/1.yaml',
        message: expect.stringContaining('track[0] (debian_package): no "tracks" location') as unknown,
      },
      { file: 'image/c/debian-13/1.yaml', message: expect.stringMatching(/^not readable/) as unknown },
    ]);
  });
});
