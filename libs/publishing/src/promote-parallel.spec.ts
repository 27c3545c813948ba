// Promote under concurrency, on real parts: 24 promotions at once, in two real child processes
// (12 each, as two workers with that concurrency), of two images alternating — the static and
// the redis example, each one digest rebuilt unchanged by many runs, each run having signed it
// afresh (its own provenance) into staging — into one real docker-registry, with real Redis.
// Every promotion succeeds (they take turns per release repository, waiting in the process; no
// registry 400 leaks out), each release tag ends at its image's digest, and every referrer is
// copied once in all. A repeat promotion of the same digest then copies nothing.
import { generateKeyPairSync } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RegistryClient, existingManifest } from '@patch-factory/oci';
import { newRunId } from '@patch-factory/pipeline';
import {
  PredicateType,
  attestationTag,
  signatureTag,
  signingKeyFromKeyObject,
  statementFor,
  type ImageDescriptor,
  type SigningKey,
} from '@patch-factory/signing';
import { ReleaseRepository, RunRepository } from '@patch-factory/store';
import {
  STATIC_DEFINITION,
  createCatalogOrigin,
  dropPrefix,
  exampleText,
  pushImage,
  repoRoot,
  sharedRedisUrl,
  startRegistry,
  testPrefix,
  type CatalogOrigin,
  type RegistryInstance,
} from '@patch-factory/testing';
import { pushSignedArtifacts } from './push-signed';
import { signWithEvidence } from './sign-with-evidence';

const REDIS_DEFINITION = 'image/redis/debian-12/7.0.yaml';
const IMAGES = [
  {
    definition: STATIC_DEFINITION,
    staging: 'staging/examples/static',
    release: 'examples/static',
    tags: ['12', 'debian12'],
  },
  {
    definition: REDIS_DEFINITION,
    staging: 'staging/examples/redis',
    release: 'examples/redis',
    tags: ['7.0', '7.0-debian12'],
  },
] as const;
const RUNS = 24;
const PROCESSES = 2;
const CHILD_TIMEOUT_MS = 240_000;

interface Outcome {
  runId: string;
  ok: boolean;
  /** The artifacts when ok, else `<code> <message>`. */
  artifacts?: Record<string, string>;
  failure?: string;
}

describe('24 promotions at once, in 2 processes, of 2 images into one registry', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const runs = new RunRepository(redis, prefix);
  const releases = new ReleaseRepository(redis, prefix);
  const key: SigningKey = signingKeyFromKeyObject(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    'parallel test key',
  );
  let registry: RegistryInstance;
  let origin: CatalogOrigin;
  let work: string;
  let children = 0;
  const digests: string[] = [];

  beforeAll(async () => {
    registry = await startRegistry();
    origin = createCatalogOrigin({
      [STATIC_DEFINITION]: exampleText(STATIC_DEFINITION),
      'image/static/info.yaml': exampleText('image/static/info.yaml'),
      [REDIS_DEFINITION]: exampleText(REDIS_DEFINITION),
      'image/redis/info.yaml': exampleText('image/redis/info.yaml'),
    });
    work = mkdtempSync(join(tmpdir(), 'pf-promote-parallel-'));
    // Each image built once: every run of it has the same digest (an unchanged rebuild).
    for (const image of IMAGES)
      digests.push(
        await pushImage(registry.url, image.staging, 'base', `the ${image.release} image, several layers' worth`),
      );
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
    origin?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  }, 60_000);

  const client = () => new RegistryClient({ registry: registry.url });

  /** A run of `image` whose sign stage signed the digest afresh (an SBOM and its own provenance) and whose publish stage pushed it to staging. */
  const publishedRun = async (index: number): Promise<string> => {
    const image = IMAGES[index % IMAGES.length] as (typeof IMAGES)[number];
    const digest = digests[index % IMAGES.length] as string;
    const runId = newRunId();
    const top = await client().getManifest(image.staging, digest);
    const subject: ImageDescriptor = {
      name: `${new URL(registry.url).host}/${image.release}`,
      digest,
      mediaType: top.mediaType,
      size: top.bytes.length,
    };
    const statements = [
      statementFor(subject, PredicateType.cyclonedx, {
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        components: [{ name: 'base-files', version: '12.4' }],
      }),
      statementFor(subject, PredicateType.slsaProvenance, {
        buildDefinition: { buildType: 'patch-factory', externalParameters: { definition: image.definition } },
        runDetails: { builder: { id: 'test' }, metadata: { invocationId: runId } },
      }),
    ];
    const existing = {
      signature: await existingManifest(client(), image.staging, signatureTag(digest)),
      attestations: await existingManifest(client(), image.staging, attestationTag(digest)),
    };
    await pushSignedArtifacts(
      client(),
      image.staging,
      await signWithEvidence({ key, image: subject, statements, existing }),
    );
    await runs.create({
      id: runId,
      definition: image.definition,
      trigger: { kind: 'manual' },
      stages: ['publish', 'promote'],
      now: Date.now(),
    });
    await runs.startStage(runId, 'publish');
    await runs.completeStage(runId, 'publish', {
      durationMs: 1,
      artifacts: { 'publish.repository': image.staging, 'publish.digest': digest },
    });
    return runId;
  };

  /** Promotes `runIds` concurrently in one new Node process (from source). */
  const promoteInChild = (
    runIds: string[],
  ): Promise<{ exit: number | string; outcomes: Outcome[]; output: string }> => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PF_PREFIX: prefix,
      PF_REDIS_URL: sharedRedisUrl(),
      PF_REGISTRY_URL: registry.url,
      PF_CATALOG_REMOTE: origin.dir,
      PF_CATALOG_WORKDIR: join(work, `catalog-${++children}.git`),
      PF_LOG_LEVEL: 'warn',
      PF_TRACES_EXPORTER: 'none',
      PF_TEST_PROMOTE_RUNS: runIds.join(','),
    };
    const root = repoRoot();
    const child = spawn(
      process.execPath,
      [join(root, 'libs/publishing/test/ts-child.cjs'), join(root, 'libs/publishing/test/promote-many-child.ts')],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the promote child did not end within ${CHILD_TIMEOUT_MS} ms:\n${output.slice(-4000)}`));
      }, CHILD_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const outcomes = output
          .split('\n')
          .filter((l) => l.startsWith('result '))
          .map((l): Outcome => {
            const [, runId = '', status, ...rest] = l.split(' ');
            return status === 'ok'
              ? { runId, ok: true, artifacts: JSON.parse(rest.join(' ')) as Record<string, string> }
              : { runId, ok: false, failure: rest.join(' ') };
          });
        resolve({ exit: code ?? signal ?? -1, outcomes, output });
      });
    });
  };

  it(
    'all succeed, each tag ends at its image, every referrer is copied once in all; a repeat promotion of the same digest copies nothing',
    async () => {
      const runIds: string[] = [];
      for (let i = 0; i < RUNS; i++) runIds.push(await publishedRun(i));
      // Run i goes to process i % 2: each process promotes both images, alternating.
      const batches = Array.from({ length: PROCESSES }, (_, p) => runIds.filter((_, i) => i % PROCESSES === p));
      const results = await Promise.all(batches.map((batch) => promoteInChild(batch)));
      const outcomes = results.flatMap((r) => r.outcomes);
      expect(results.map((r) => r.exit)).toEqual([0, 0]);
      expect(outcomes.filter((o) => !o.ok).map((o) => `${o.runId}: ${o.failure ?? ''}`)).toEqual([]);
      expect(outcomes.map((o) => o.runId).sort()).toEqual([...runIds].sort());
      expect(results.map((r) => r.output).join('\n')).not.toMatch(/status 400|MANIFEST_BLOB_UNKNOWN|DIGEST_INVALID/);

      for (const [i, image] of IMAGES.entries()) {
        const digest = digests[i] as string;
        for (const tag of image.tags) {
          expect(await client().resolveTag(image.release, tag)).toBe(digest);
          expect((await releases.tag(image.release, tag))?.digest).toBe(digest);
        }
        // The first promotion of the image moved the tags; the others found them there.
        expect((await releases.history(image.release, 1000)).map((h) => h.tag).sort()).toEqual([...image.tags].sort());
        const mine = outcomes.filter((o) => runIds.indexOf(o.runId) % IMAGES.length === i);
        expect(mine).toHaveLength(RUNS / IMAGES.length);
        // Each referrer in staging (a signature bundle, the SBOM's, and one provenance per run) was copied by exactly one promotion.
        const staged = (await client().listReferrers(image.staging, digest)).manifests.map((m) => m.digest).sort();
        expect(staged).toHaveLength(2 + RUNS / IMAGES.length);
        expect(mine.reduce((n, o) => n + Number(o.artifacts?.['promote.copied-referrers']), 0)).toBe(staged.length);
        expect((await client().listReferrers(image.release, digest)).manifests.map((m) => m.digest).sort()).toEqual(
          staged,
        );
      }
      expect(
        (await releases.events(undefined, 1000))
          .map((e) => [e.event.repository.split('/').slice(1).join('/'), e.event.type])
          .sort(),
      ).toEqual([
        ['examples/redis', 'image.published'],
        ['examples/static', 'image.published'],
      ]);

      // A repeat of the same digest (a new run, nothing new signed since): nothing is copied.
      const repeat = newRunId();
      await runs.create({
        id: repeat,
        definition: STATIC_DEFINITION,
        trigger: { kind: 'manual' },
        stages: ['publish', 'promote'],
        now: Date.now(),
      });
      await runs.startStage(repeat, 'publish');
      await runs.completeStage(repeat, 'publish', {
        durationMs: 1,
        artifacts: { 'publish.repository': IMAGES[0].staging, 'publish.digest': digests[0] as string },
      });
      const again = await promoteInChild([repeat]);
      expect(again.outcomes).toEqual([expect.objectContaining({ runId: repeat, ok: true })]);
      expect(again.outcomes[0]?.artifacts).toMatchObject({
        'promote.copied-blobs': '0',
        'promote.copied-referrers': '0',
        'promote.copied': expect.stringMatching(
          /^0 manifest\(s\), 0 blob\(s\), 0 signature\/attestation tag\(s\), 0 referrer\(s\) copied; 14 referrer\(s\) there already$/,
        ) as string,
      });
    },
    2 * CHILD_TIMEOUT_MS + 120_000,
  );
});
