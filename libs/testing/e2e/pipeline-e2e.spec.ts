// One full pipeline, in one test, on real parts: an upstream event (a new tzdata in a signed
// Debian mirror) → plan → patch (a commit on a branch of a real git catalog) → build (real
// Debian 12 packages) → test → scan → sign (a P-256 key that only the signer reads) → publish
// (Debian's docker-registry) → review (branch mode: merged) → promote (release tags moved to the
// staging digest) → a signed image that verifies with the public key alone → notify: the run
// ends `succeeded`, and a subscriber's receiver gets a signed `image.published` CloudEvent that
// verifies with the independent standardwebhooks package.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogAccess } from '@patch-factory/catalog-access';
import { loadConfig } from '@patch-factory/config';
import type { PipelineRun } from '@patch-factory/contracts';
import { RegistryClient, pullLayout } from '@patch-factory/oci';
import { SubscriptionRepository } from '@patch-factory/notifying';
import { RunLauncher, directStageContext } from '@patch-factory/pipeline';
import { PromoteExecutor } from '@patch-factory/publishing';
import { loadPublicKey, verifyImage } from '@patch-factory/signing';
import { JobProducer } from '@patch-factory/queue';
import { PatchRequestRepository, PullRequestLinks, ReleaseRepository, RunRepository } from '@patch-factory/store';
import {
  BackboneFixture,
  STATIC_DEFINITION as DEFINITION,
  createStaticCatalog,
  exampleText,
  repoRoot,
  startRegistry,
  startStaticMirror,
  waitFor,
  type CatalogOrigin,
  type RegistryInstance,
  type StagePipeline,
  type StaticMirror,
} from '../src';
import { createSignerKey, startFullPipeline, type SignerKey } from '../src/full-pipeline.fixture';
import { startWebhookSubscriber, webhookTestEnv, type WebhookSubscriber } from '../src/webhook-subscriber.fixture';

const OLD_TZDATA = '2020a-0+deb10u1';

/** The version of `name` in the mirror's Packages index for `arch`. */
async function mirrorVersion(mirror: StaticMirror, arch: string, name: string): Promise<string> {
  const text = await (
    await fetch(`${mirror.fixture.baseUrl}/dists/${mirror.fixture.suite}/main/binary-${arch}/Packages`)
  ).text();
  const stanza = text.split('\n\n').find((s) => s.startsWith(`Package: ${name}\n`));
  const version = /\nVersion: (\S+)/.exec(stanza ?? '')?.[1];
  if (!version) throw new Error(`the mirror has no ${name} for ${arch}`);
  return version;
}

describe('one pipeline from an upstream event to a promoted, signed, verified image', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let mirror: StaticMirror;
  let registry: RegistryInstance;
  let origin: CatalogOrigin;
  let pipeline: StagePipeline;
  let signer: SignerKey;
  let subscriber: WebhookSubscriber;

  beforeAll(async () => {
    subscriber = await startWebhookSubscriber();
    mirror = await startStaticMirror(['amd64']);
    registry = await startRegistry();
    // The definition pins an old tzdata and builds for amd64 only (the host's platform, so that the test stage runs).
    const text = exampleText(DEFINITION)
      .replace(/platforms:\n(\s+- linux\/\S+\n)+/, 'platforms:\n  - linux/amd64\n')
      .replace(/\n(\s+)- tzdata\n/, `\n$1- tzdata=${OLD_TZDATA}\n`)
      // The pin's value lives in a variable too, as in the real catalog: that is what an upstream event patches.
      .replace('variant: runtime\n', `variant: runtime\nvars:\n  TZDATA_VERSION: ${OLD_TZDATA}\n`);
    expect(text).toContain(`tzdata=${OLD_TZDATA}`);
    expect(text).toContain(`TZDATA_VERSION: ${OLD_TZDATA}`);
    origin = createStaticCatalog(text);
    signer = createSignerKey();
    pipeline = await startFullPipeline(fx, {
      service: 'test-pipeline',
      origin,
      signer,
      // Quick job retries, so that the registry-down case below ends soon.
      env: { ...mirror.env, PF_REGISTRY_URL: registry.url, PF_BACKOFF_DELAY_MS: '100', ...webhookTestEnv() },
    });
    // A consumer team subscribes to image updates and to failures (the secret is answered once).
    // No image filter: a run that fails before it publishes names its definition, not an image.
    const { secret } = await pipeline.app.get(SubscriptionRepository).create(
      {
        url: subscriber.url,
        description: 'e2e',
        eventTypes: ['image.published', 'image.updated', 'pipeline.failed'],
        images: [],
        tags: [],
      },
      'consumer-team',
      Date.now(),
    );
    subscriber.useSecret(secret);
  }, 600_000);

  afterAll(async () => {
    await pipeline?.close();
    await fx.close();
    await registry?.stop();
    await mirror?.close();
    await subscriber?.close();
    origin?.cleanup();
    if (signer) rmSync(signer.dir, { recursive: true, force: true });
  }, 60_000);

  it('patches, builds, checks, signs, publishes, merges and promotes; the image verifies; a second promotion moves nothing', async () => {
    const version = await mirrorVersion(mirror, 'amd64', 'tzdata');
    const event = {
      id: `deb-tzdata-${version.replace(/[^A-Za-z0-9._:-]/g, '_')}`,
      source: 'debian',
      ref: 'pkg:deb/debian/tzdata',
      version,
      firstSeenAt: Date.now(),
    };
    expect(await pipeline.app.get(PatchRequestRepository).saveEvent(event)).toBe(true);
    await pipeline.app
      .get(JobProducer)
      .enqueue('event.upstream', { v: 1, eventId: event.id }, { jobId: `event.${event.id}` });

    const runs = pipeline.app.get(RunRepository);
    const run: PipelineRun = await waitFor(
      'the run to finish',
      async () => {
        const [r] = await runs.list({ definition: DEFINITION });
        return r && (r.state === 'succeeded' || r.state === 'failed') ? r : undefined;
      },
      540_000,
      500,
    );
    expect({ state: run.state, error: run.error }).toEqual({ state: 'succeeded', error: undefined });
    const art = (stage: string, key: string) => run.stages.find((s) => s.stage === stage)?.artifacts[key];

    // The run as the API shows it (GET /runs/:id): its files relative to the run directory, no
    // server path anywhere (issue 14); the later stages found them (the run succeeded).
    const api = await fx.startApi();
    const shown = await api.request<{ stages: { stage: string; artifacts: Record<string, string> }[] }>(
      'GET',
      `/runs/${run.id}`,
    );
    expect(shown.status).toBe(200);
    const paths = shown.body.stages.flatMap((s) =>
      Object.entries(s.artifacts)
        .filter(([, v]) => v.includes('/'))
        .map(([k, v]) => `${s.stage} ${k}: ${v}`),
    );
    expect(paths.filter((p) => /: \/|,\//.test(p))).toEqual([]);
    expect(JSON.stringify(shown.body)).not.toContain(pipeline.work);
    expect(JSON.stringify(shown.body)).not.toContain(tmpdir());
    expect(
      Object.fromEntries(['build.layout', 'build.packages', 'build.log'].map((k) => [k, art('build', k)])),
    ).toEqual({ 'build.layout': 'image', 'build.packages': 'packages.json', 'build.log': 'build.log' });
    // No advisory, no finding: nothing to state, so no VEX document nor OpenVEX attestation (issue 15).
    expect([
      art('test', 'test.report'),
      art('scan', 'scan.report'),
      art('scan', 'scan.vex') ?? 'no VEX',
      art('scan', 'scan.sbom.cyclonedx'),
      art('sign', 'sign.artifacts'),
    ]).toEqual(['test-report.json', 'scan-report.json', 'no VEX', 'sbom/linux-amd64.cdx.json', 'signing/signed.json']);

    // The catalog: one commit on the patch branch, merged into main, pinning the new tzdata.
    expect(origin.show('main', DEFINITION)).toContain(`tzdata=${version}`);
    // Built, tested and scanned.
    const digest = art('build', 'build.digest') as string;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(art('test', 'test.failed')).toBe('0');
    expect(art('sign', 'sign.attestations')?.split(',')).toEqual([
      'https://slsa.dev/provenance/v1',
      'https://cyclonedx.org/bom',
      'https://spdx.dev/Document',
      'https://patch-factory.dev/attestation/test-report/v1',
      'https://patch-factory.dev/attestation/scan-report/v1',
    ]);
    // Published to staging with the same digest, then promoted: the release tags point at that digest.
    expect(art('publish', 'publish.digest')).toBe(digest);
    const client = new RegistryClient({ registry: registry.url });
    for (const tag of ['12', 'debian12']) expect(await client.resolveTag('examples/static', tag)).toBe(digest);
    expect(art('promote', 'promote.tags')).toBe(`12: new -> ${digest}; debian12: new -> ${digest}`);

    // The image verifies in the release repository with the public key alone.
    const key = loadPublicKey(readFileSync(signer.pub));
    const verified = await verifyImage(client, 'examples/static', digest, key);
    expect(verified.checks.filter((c) => c.outcome !== 'verified')).toEqual([]);
    expect(verified.ok).toBe(true);
    // Five attestations (no OpenVEX: nothing to state), a bundle for each and for the signature.
    expect(verified.checks.map((c) => c.kind).sort()).toEqual(
      [...Array<string>(5).fill('attestation'), ...Array<string>(6).fill('bundle'), 'signature'].sort(),
    );
    // Pulled back, it is the image that was built.
    const pulled = await pullLayout(client, 'examples/static', '12', join(pipeline.work, 'pulled'));
    expect(pulled.digest).toBe(digest);

    // The command line does what the stages did, from the run's directory: a copy of the image in
    // another repository, signed with every attestation the run would attach, verifies.
    const host = new URL(registry.url).host;
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [join(repoRoot(), 'tools/node/run.cjs'), 'dist/tools/cli/src/main.js', ...args], {
        cwd: repoRoot(),
        encoding: 'utf8',
      });
    expect(cli('publish', join(pipeline.work, 'pulled'), `${host}/cli/static:12`).trim().split('\n').pop()).toBe(
      digest,
    );
    const signedByCli = cli(
      'sign',
      `${host}/cli/static:12`,
      '--key',
      signer.key,
      '--run-dir',
      join(pipeline.outRoot, run.id),
    );
    expect(
      signedByCli
        .split('\n')
        .filter((l) => l.startsWith('attested '))
        .map((l) => l.slice('attested '.length)),
    ).toEqual(art('sign', 'sign.attestations')?.split(','));
    // 12: no OpenVEX attestation nor its bundle (nothing to state, issue 15).
    expect(cli('verify', `${host}/cli/static@${digest}`, '--key', signer.pub)).toContain(
      `verified ${host}/cli/static@${digest}: 12 verified, 0 not by this key, 0 failed`,
    );

    // The record: both tags new, one image.published event.
    const releases = pipeline.app.get(ReleaseRepository);
    expect((await releases.tag('examples/static', '12'))?.digest).toBe(digest);
    const events = (await releases.events()).map((e) => e.event);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'image.published',
      digest,
      runId: run.id,
      tags: [
        { tag: '12', digest },
        { tag: 'debian12', digest },
      ],
    });
    expect((await releases.published(DEFINITION))?.digest).toBe(digest);

    // The promotion again (a redelivered job): the tags already point at the digest, nothing moves, no second event.
    const again = await new PromoteExecutor(
      pipeline.app.get(CatalogAccess),
      releases,
      loadConfig({ ...process.env, PF_REGISTRY_URL: registry.url, PF_PREFIX: fx.prefix }),
      runs,
      pipeline.app.get(PullRequestLinks),
    ).execute(
      directStageContext({
        runId: run.id,
        stage: 'promote',
        definition: DEFINITION,
        logger: {
          info: () => undefined,
          debug: () => undefined,
          warn: () => undefined,
          error: () => undefined,
          child: () => undefined,
          isLevelEnabled: () => false,
        } as never,
        loadRun: () => runs.get(run.id),
        attempt: 2,
      }),
    );
    expect(again.artifacts?.['promote.tags']).toBe('12: unchanged; debian12: unchanged');
    expect(await releases.events()).toHaveLength(1);
    expect((await releases.history('examples/static')).length).toBe(2);

    // Notify ended the run, and the subscriber got one verified image.published for this digest.
    expect(run.stages.find((s) => s.stage === 'notify')).toMatchObject({
      status: 'succeeded',
      artifacts: { 'notify.events': 'image.published' },
    });
    const delivered = await waitFor(
      'the image.published delivery',
      () => Promise.resolve(subscriber.verified.find((d) => d.event.type === 'dev.patch-factory.image.published')),
      60_000,
      100,
    );
    expect(delivered.webhookId).toBe(delivered.event.id);
    expect(delivered.event).toMatchObject({
      specversion: '1.0',
      subject: 'examples/static',
      data: {
        image: 'examples/static',
        digest,
        runId: run.id,
        tags: [
          { tag: '12', digest },
          { tag: 'debian12', digest },
        ],
      },
    });
    expect(subscriber.rejected).toBe(0);
  }, 600_000);

  it('with the registry down, the run retries and then fails with a reason that names the registry', async () => {
    await registry.stop();
    const { runId } = await pipeline.app
      .get(RunLauncher)
      .launch(DEFINITION, { kind: 'manual' }, { from: 'build', to: 'promote' });
    const [run] = await fx.waitForRuns([runId], 240_000);
    expect(run?.state).toBe('failed');
    // The signer is the first to reach for the registry (the signatures already there for this digest).
    expect(run?.error).toMatchObject({ stage: 'sign', code: 'oci-unavailable' });
    expect(run?.error?.message).toContain(new URL(registry.url).host);
    expect(run?.error?.message).toMatch(/could not be reached/);
    expect(run?.stages.find((s) => s.stage === 'sign')?.attempts).toBe(5);
    expect(run?.stages.find((s) => s.stage === 'build')?.status).toBe('succeeded');
    // The subscriber hears why: one verified pipeline.failed naming the stage and the code.
    const failed = await waitFor(
      'the pipeline.failed delivery',
      () => Promise.resolve(subscriber.verified.find((d) => d.event.type === 'dev.patch-factory.pipeline.failed')),
      60_000,
      100,
    );
    expect(failed.event.data).toMatchObject({ runId, stage: 'sign', code: 'oci-unavailable', definition: DEFINITION });
  }, 300_000);
});
