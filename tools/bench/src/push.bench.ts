import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, pushLayout, type PushLayoutResult } from '@patch-factory/oci';
import { startRegistry, writeTestLayout, type RegistryInstance } from '@patch-factory/testing';
import { table } from './bench-util';

/**
 * `npm run bench:push`: pushes a ~50 MB image (BENCH_PUSH_LAYERS random, incompressible layers of
 * BENCH_PUSH_LAYER_MB MB, default 5 × 10) from an OCI layout to a fresh docker-registry on
 * 127.0.0.1 with the project's client, cold (nothing present) and warm (every blob present), and
 * beside it, in the same run, the baseline: `skopeo copy oci:<layout>:<tag> docker://…` cold and
 * warm to another fresh registry. Also the cold push in 4 MiB PATCH chunks. BENCH_PUSH_ROUNDS
 * (default 5): fresh registries each round, the median is reported.
 */
const ROUNDS = Math.max(1, Number(process.env['BENCH_PUSH_ROUNDS'] ?? 5));
const LAYERS = Math.max(1, Number(process.env['BENCH_PUSH_LAYERS'] ?? 5));
const LAYER_MB = Math.max(1, Number(process.env['BENCH_PUSH_LAYER_MB'] ?? 10));
const TAG = 'bench';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** `skopeo copy` of the layout to `dest`, as an operator would type it. */
function skopeoCopy(layout: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'skopeo',
      ['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:${TAG}`, dest],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`skopeo copy exited ${code}`))));
  });
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await run();
  return { ms: performance.now() - t0, value };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'pf-bench-push-'));
  const layout = writeTestLayout(join(work, 'layout'), {
    platforms: ['linux/amd64'],
    single: true,
    layers: LAYERS,
    layerBytes: LAYER_MB * 1_000_000,
    refName: TAG,
  });
  const bytes = layout.blobs.reduce((n, b) => n + b.size, 0);
  console.log(
    `bench:push — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${LAYERS} × ${LAYER_MB} MB layers (${(bytes / 1e6).toFixed(1)} MB), ${ROUNDS} round(s), median reported`,
  );
  const m = {
    cold: [] as number[],
    warm: [] as number[],
    chunked: [] as number[],
    skopeoCold: [] as number[],
    skopeoWarm: [] as number[],
  };
  const registries: RegistryInstance[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const ours = await startRegistry();
      const theirs = await startRegistry();
      const chunkedRegistry = await startRegistry();
      registries.push(ours, theirs, chunkedRegistry);
      const client = new RegistryClient({ registry: ours.url });
      const dest = `docker://${theirs.url.replace('http://', '')}/bench/image:${TAG}`;
      const project = async () => {
        const cold = await timed(() => pushLayout(client, layout.dir, 'bench/image', TAG));
        const warm = await timed(() => pushLayout(client, layout.dir, 'bench/image', TAG));
        check(cold.value, warm.value, layout.digest, LAYERS + 1);
        return { cold, warm };
      };
      const baseline = async () => ({
        cold: await timed(() => skopeoCopy(layout.dir, dest)),
        warm: await timed(() => skopeoCopy(layout.dir, dest)),
      });
      // Alternate which side goes first, so that neither always meets the colder machine.
      const first = round % 2 === 0;
      const sk1 = first ? undefined : await baseline();
      const { cold, warm } = await project();
      const { cold: skCold, warm: skWarm } = sk1 ?? (await baseline());
      const chunked = await timed(() =>
        pushLayout(new RegistryClient({ registry: chunkedRegistry.url }), layout.dir, 'bench/image', TAG, {
          upload: { monolithicMaxBytes: 0, chunkSize: 4 * 1024 * 1024 },
        }),
      );
      if (chunked.value.digest !== layout.digest) throw new Error('the chunked push disagrees');
      const skDigest = await new RegistryClient({ registry: theirs.url }).resolveTag('bench/image', TAG);
      if (skDigest !== layout.digest) throw new Error(`skopeo stored ${skDigest}, not ${layout.digest}`);
      m.cold.push(cold.ms);
      m.warm.push(warm.ms);
      m.chunked.push(chunked.ms);
      m.skopeoCold.push(skCold.ms);
      m.skopeoWarm.push(skWarm.ms);
      for (const r of registries.splice(0)) await r.stop();
    }
  } finally {
    for (const r of registries) await r.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const [cold, warm, chunked, skCold, skWarm] = [
    median(m.cold),
    median(m.warm),
    median(m.chunked),
    median(m.skopeoCold),
    median(m.skopeoWarm),
  ];
  const mbps = (ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
  console.log(
    table(
      ['push', 'project ms', 'skopeo ms', 'project/skopeo', 'project MB/s'],
      [
        ['cold (nothing present)', cold.toFixed(0), skCold.toFixed(0), (cold / skCold).toFixed(2), mbps(cold)],
        ['warm (every blob present)', warm.toFixed(0), skWarm.toFixed(0), (warm / skWarm).toFixed(2), '-'],
        [
          'cold, 4 MiB PATCH chunks',
          chunked.toFixed(0),
          skCold.toFixed(0),
          (chunked / skCold).toFixed(2),
          mbps(chunked),
        ],
      ],
    ),
  );
}

function check(cold: PushLayoutResult, warm: PushLayoutResult, digest: string, blobs: number): void {
  if (cold.digest !== digest || warm.digest !== digest)
    throw new Error(`the pushes disagree: ${cold.digest}, ${warm.digest}, expected ${digest}`);
  if (cold.blobs.pushed !== blobs || warm.blobs.skipped !== blobs)
    throw new Error(`cold pushed ${cold.blobs.pushed}, warm skipped ${warm.blobs.skipped}, expected ${blobs} each`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
