import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import { CatalogAccess } from '@patch-factory/catalog-access';
import { directStageContext, newRunId } from '@patch-factory/pipeline';
import { RegistryClient, existingManifest, pushLayout } from '@patch-factory/oci';
import { PromoteExecutor, pushSignedArtifacts, signWithEvidence } from '@patch-factory/publishing';
import { attestationTag, signatureTag, signingKeyFromKeyObject, type ImageDescriptor } from '@patch-factory/signing';
import { PullRequestLinks, ReleaseRepository, RunRepository } from '@patch-factory/store';
import { createLogger } from '@patch-factory/telemetry';
import {
  STATIC_DEFINITION,
  createStaticCatalog,
  exampleText,
  startRegistry,
  writeTestLayout,
  type CatalogOrigin,
} from '@patch-factory/testing';
import { deletePrefix } from './bench-redis';
import { table } from './bench-util';
import { legacyCopyImage } from './promote-legacy-copy';
import { runEvidence } from './promote-evidence';

/**
 * `npm run bench:promote`: BENCH_PROMOTE_RUNS (default 50) runs of one unchanged image (the same
 * digest each time), each signing it afresh into staging the way the sign and publish stages do
 * (a signature and six attestations, each with its bundle referrer; its provenance and test report
 * are the run's own: promote-evidence.ts),
 * then promoting it with the real PromoteExecutor (real Redis, a real docker-registry on
 * 127.0.0.1, the example catalog). Prints the promote time of the 1st and the last run side by
 * side, with the ratio. In the same run, interleaved, the baseline: the behaviour before issue 13
 * into another release repository — every sign makes new signatures (ECDSA: new bytes, so new
 * layers and referrers), and promote copies every referrer of the digest (the old copy step,
 * promote-legacy-copy.ts, followed by the executor, which then finds everything there).
 */
const RUNS = Math.max(2, Number(process.env['BENCH_PROMOTE_RUNS'] ?? 50));
const REDIS_URL = process.env['PF_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

interface Series {
  name: string;
  legacy: boolean;
  staging: string;
  release: string;
  origin: CatalogOrigin;
  executor?: PromoteExecutor;
  promoteMs: number[];
  signMs: number[];
  copiedReferrers: number[];
}

async function main(): Promise<void> {
  const prefix = `pf-bench-promote-${process.pid}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const registry = await startRegistry();
  const work = mkdtempSync(join(tmpdir(), 'pf-bench-promote-'));
  const definition = exampleText(STATIC_DEFINITION);
  const series: Series[] = [
    {
      name: 'this code',
      legacy: false,
      staging: 'staging/examples/static',
      release: 'examples/static',
      origin: createStaticCatalog(definition),
      promoteMs: [],
      signMs: [],
      copiedReferrers: [],
    },
    {
      name: 'before (all referrers, new signatures)',
      legacy: true,
      staging: 'staging/examples/static-legacy',
      release: 'examples/static-legacy',
      origin: createStaticCatalog(definition.replace(/^image: examples\/static$/m, 'image: examples/static-legacy')),
      promoteMs: [],
      signMs: [],
      copiedReferrers: [],
    },
  ];
  try {
    const client = new RegistryClient({ registry: registry.url });
    const runs = new RunRepository(redis, prefix);
    const releases = new ReleaseRepository(redis, prefix);
    const key = signingKeyFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'bench key');
    const layout = writeTestLayout(join(work, 'layout'), {
      platforms: ['linux/amd64'],
      single: true,
      layers: 3,
      layerBytes: 1_000_000,
      refName: 'bench',
    });
    const logger = createLogger('bench-promote', 'warn');
    for (const s of series) {
      await pushLayout(client, layout.dir, s.staging, 'base');
      const config = loadConfig({
        ...process.env,
        PF_PREFIX: prefix,
        PF_REDIS_URL: REDIS_URL,
        PF_REGISTRY_URL: registry.url,
        PF_CATALOG_REMOTE: s.origin.dir,
        PF_CATALOG_WORKDIR: join(work, `${s.release.replace('/', '-')}.git`),
        PF_LOG_LEVEL: 'warn',
        PF_TRACES_EXPORTER: 'none',
      });
      s.executor = new PromoteExecutor(
        new CatalogAccess(config),
        releases,
        config,
        runs,
        new PullRequestLinks(redis, prefix),
      );
    }
    const top = await client.getManifest(series[0]?.staging ?? '', layout.digest);
    console.log(
      `bench:promote — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${RUNS} runs of one digest per side, interleaved`,
    );
    for (let i = 0; i < RUNS; i++) {
      for (const s of series) {
        const runId = newRunId();
        const subject: ImageDescriptor = {
          name: `${new URL(registry.url).host}/${s.release}`,
          digest: layout.digest,
          mediaType: top.mediaType,
          size: top.bytes.length,
        };
        const t0 = performance.now();
        const existing = {
          signature: await existingManifest(client, s.staging, signatureTag(layout.digest)),
          attestations: await existingManifest(client, s.staging, attestationTag(layout.digest)),
        };
        const signed = await signWithEvidence({
          key,
          image: subject,
          statements: runEvidence(subject, runId, new Date()),
          existing,
          ...(s.legacy ? { reuseSignatures: false } : {}),
        });
        await pushSignedArtifacts(client, s.staging, signed);
        s.signMs.push(performance.now() - t0);
        await runs.create({
          id: runId,
          definition: STATIC_DEFINITION,
          trigger: { kind: 'manual' },
          stages: ['publish', 'promote'],
          now: Date.now(),
        });
        await runs.startStage(runId, 'publish');
        await runs.completeStage(runId, 'publish', {
          durationMs: 1,
          artifacts: { 'publish.repository': s.staging, 'publish.digest': layout.digest },
        });
        const t1 = performance.now();
        const legacyReferrers = s.legacy ? await legacyCopyImage(client, s.staging, s.release, layout.digest) : 0;
        const result = await (s.executor as PromoteExecutor).execute(
          directStageContext({
            runId,
            stage: 'promote',
            definition: STATIC_DEFINITION,
            logger,
            loadRun: () => runs.get(runId),
          }),
        );
        s.promoteMs.push(performance.now() - t1);
        s.copiedReferrers.push(legacyReferrers + Number(result.artifacts?.['promote.copied-referrers'] ?? 0));
      }
    }
    const rows = [];
    for (const s of series) {
      const first = s.promoteMs[0] as number;
      const last = s.promoteMs[RUNS - 1] as number;
      const referrers = (await client.listReferrers(s.release, layout.digest)).manifests.length;
      const att = await existingManifest(client, s.release, attestationTag(layout.digest));
      const layers = att ? (JSON.parse(att.toString('utf8')) as { layers: unknown[] }).layers.length : 0;
      rows.push([
        s.name,
        first.toFixed(0),
        last.toFixed(0),
        (last / first).toFixed(2),
        `${s.copiedReferrers[0]} / ${s.copiedReferrers[RUNS - 1]}`,
        String(referrers),
        String(layers),
        `${(s.signMs[0] as number).toFixed(0)} / ${(s.signMs[RUNS - 1] as number).toFixed(0)}`,
      ]);
    }
    console.log(
      table(
        [
          'promote of one digest',
          '1st ms',
          `${RUNS}th ms`,
          `${RUNS}th/1st`,
          'referrers copied 1st / last',
          'referrers in release',
          '.att layers',
          'sign+publish ms 1st / last',
        ],
        rows,
      ),
    );
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    for (const s of series)
      console.log(
        `${s.name}: median of runs 1-5 ${mid(s.promoteMs.slice(0, 5)).toFixed(0)} ms, of the last 5 ${mid(s.promoteMs.slice(-5)).toFixed(0)} ms`,
      );
    // The trend: the median of each tenth of the runs.
    const tenth = Math.max(1, Math.floor(RUNS / 10));
    const slices = Array.from({ length: Math.ceil(RUNS / tenth) }, (_, k) => k * tenth);
    console.log(
      table(
        ['promote ms, median of runs', ...slices.map((k) => `${k + 1}-${Math.min(RUNS, k + tenth)}`)],
        series.map((s) => [s.name, ...slices.map((k) => mid(s.promoteMs.slice(k, k + tenth)).toFixed(0))]),
      ),
    );
  } finally {
    await registry.stop();
    for (const s of series) s.origin.cleanup();
    rmSync(work, { recursive: true, force: true });
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
