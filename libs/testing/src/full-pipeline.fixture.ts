// Test helpers (not a suite) for the whole-pipeline tests (libs/testing/e2e): a signer's P-256 key
// pair, the real pipeline of every stage with the notifier's jobs, and the in-toto statements a
// run's sign stage made.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAGE_EXECUTORS } from '@patch-factory/factory';
import { NOTIFYING_JOBS, NotifyingModule } from '@patch-factory/notifying';
import { PATCHING_JOBS, PatchingModule } from '@patch-factory/patching';
import { RUN_STAGES } from '@patch-factory/pipeline';
import type { readSignedArtifacts } from '@patch-factory/publishing';
import type { BackboneFixture } from './backbone-fixture';
import { startStagePipeline, type StagePipeline } from './example-stage-pipeline';
import type { CatalogOrigin } from './github-double/catalog-origin';

export interface SignerKey {
  dir: string;
  /** The private key (PEM, mode 0600): `PF_SIGNING_KEY=file://<key>`. */
  key: string;
  /** The public key (PEM) a consumer verifies with. */
  pub: string;
}

/** A fresh P-256 key pair made by openssl in a directory of its own (remove `dir` after). */
export function createSignerKey(): SignerKey {
  const dir = mkdtempSync(join(tmpdir(), 'pf-signer-key-'));
  const key = join(dir, 'cosign.key');
  const pub = join(dir, 'cosign.pub');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  chmodSync(key, 0o600);
  writeFileSync(pub, execFileSync('openssl', ['pkey', '-in', key, '-pubout']));
  return { dir, key, pub };
}

/**
 * Every stage of a run on the real executors, in branch mode, signing with `signer`, with the
 * notifier's jobs (fan-out, deliveries, pipeline.failed): `env` gives the webhook settings
 * (webhookTestEnv) when a test subscribes.
 */
export function startFullPipeline(
  fx: BackboneFixture,
  opts: { service: string; origin: CatalogOrigin; signer: SignerKey; env: Record<string, string> },
): Promise<StagePipeline> {
  return startStagePipeline(fx, {
    service: opts.service,
    origin: opts.origin,
    env: { PF_FORGE: 'branch', PF_SIGNING_KEY: `file://${opts.signer.key}`, ...opts.env },
    stages: RUN_STAGES,
    jobs: [...PATCHING_JOBS, ...NOTIFYING_JOBS],
    imports: [PatchingModule, NotifyingModule],
    executors: STAGE_EXECUTORS,
  });
}

/** The in-toto statements the sign stage made (the DSSE payloads of its attestation layers). */
export function signedStatements(
  artifacts: Awaited<ReturnType<typeof readSignedArtifacts>>,
): { predicateType: string; predicate: unknown }[] {
  const out: { predicateType: string; predicate: unknown }[] = [];
  for (const m of [...artifacts.tags, ...artifacts.referrers]) {
    for (const blob of m.blobs) {
      let doc: { payload?: string; payloadType?: string };
      try {
        doc = JSON.parse(blob.bytes.toString('utf8')) as typeof doc;
      } catch {
        continue;
      }
      if (doc.payloadType !== 'application/vnd.in-toto+json' || typeof doc.payload !== 'string') continue;
      out.push(
        JSON.parse(Buffer.from(doc.payload, 'base64').toString('utf8')) as {
          predicateType: string;
          predicate: unknown;
        },
      );
    }
  }
  return out;
}
