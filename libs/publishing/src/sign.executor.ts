import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { CatalogAccess, runOutRoot } from '@patch-factory/catalog-access';
import { CONFIG, type Env } from '@patch-factory/config';
import { PipelineError, RunIdSchema } from '@patch-factory/contracts';
import {
  hidingRunPaths,
  runDirectory,
  runRelativePath,
  type StageContext,
  type StageExecutor,
  type StageResult,
} from '@patch-factory/pipeline';
import { loadSigningKey, signatureTag, attestationTag, type SigningKey } from '@patch-factory/signing';
import { existingManifest } from '@patch-factory/oci';
import { layoutImageDescriptor } from './image-descriptor';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';
import { registrySettings, registryWriter, stagingRepository } from './registry-settings';
import { runAttestations } from './run-attestations';
import { releaseTargetOf } from './run-definition';
import { runOutputs } from './run-outputs';
import { signWithEvidence } from './sign-with-evidence';
import { writeSignedArtifacts } from './signed-artifacts';

/** The builder id recorded in provenance. */
export const BUILDER_ID = 'https://patch-factory.dev/builder/v1';

/** The key URI of PF_SIGNING_KEY: `file:` URIs as they are, an absolute path as a file: URI. */
export function signingKeyUri(value: string): string {
  return value.startsWith('/') ? `file://${value}` : value;
}

/**
 * `sign`: signs the run's image and its evidence with PF_SIGNING_KEY — a cosign signature,
 * DSSE attestations (SLSA provenance, SBOMs, OpenVEX, test and scan reports) and a Sigstore
 * bundle for each — and writes them to `<PF_BUILD_OUT_DIR>/<runId>/signing/signed.json` for
 * the publish stage. Signatures name the image's release repository; signatures already in the
 * staging repository for the same digest are kept. Only this stage reads the key.
 */
@Injectable()
export class SignExecutor implements StageExecutor<'sign'> {
  private readonly outRoot: string;
  private key: Promise<SigningKey> | undefined;

  constructor(
    private readonly access: CatalogAccess,
    @Inject(CONFIG) private readonly config: Env,
  ) {
    this.outRoot = runOutRoot(config);
  }

  /** The stage; its errors name the run's files relative to the run directory (issue 14: no server path in a run). */
  execute(ctx: StageContext<'sign'>): Promise<StageResult<'sign'>> {
    return hidingRunPaths(this.outRoot, ctx.runId, () => this.executeStage(ctx));
  }

  private async executeStage(ctx: StageContext<'sign'>): Promise<StageResult<'sign'>> {
    const runId = RunIdSchema.parse(ctx.runId);
    const key = await this.signingKey();
    const run = await ctx.loadRun();
    const runDir = runDirectory(this.outRoot, runId);
    const outputs = runOutputs(run, runId, 'sign', runDir);
    const target = await releaseTargetOf(this.access, ctx.definition, outputs.branch);
    const settings = registrySettings(this.config, 'sign');
    const image = await layoutImageDescriptor(outputs.layout, outputs.digest, `${settings.host}/${target.image}`);
    const statements = await runAttestations(image, outputs, {
      runId,
      definition: ctx.definition,
      repository: this.config.PF_CATALOG_REMOTE ?? 'unknown',
      builderId: BUILDER_ID,
      ...(this.config.SOURCE_DATE_EPOCH !== undefined ? { sourceDateEpoch: this.config.SOURCE_DATE_EPOCH } : {}),
      startedOn: new Date(run?.stages.find((s) => s.stage === 'build')?.startedAt ?? Date.now()),
      finishedOn: new Date(run?.stages.find((s) => s.stage === 'build')?.finishedAt ?? Date.now()),
    });
    const client = registryWriter(settings);
    const staging = stagingRepository(settings, target.image);
    const existing = {
      signature: await existingManifest(client, staging, signatureTag(outputs.digest), ctx.signal),
      attestations: await existingManifest(client, staging, attestationTag(outputs.digest), ctx.signal),
    };
    const signed = await signWithEvidence({ key, image, statements, existing });
    const path = join(runDir, 'signing', 'signed.json');
    await writeSignedArtifacts(path, signed);
    ctx.logger.info(
      { digest: outputs.digest, keyId: key.keyId, attestations: signed.predicateTypes.length },
      'image signed',
    );
    return {
      artifacts: {
        'sign.artifacts': runRelativePath(runDir, path),
        'sign.key': key.keyId,
        'sign.reference': image.name,
        'sign.attestations': signed.predicateTypes.join(','),
      },
    };
  }

  /** The key, loaded once per process; a missing or bad key fails the run (no retry helps). */
  private signingKey(): Promise<SigningKey> {
    const uri = this.config.PF_SIGNING_KEY;
    if (!uri)
      return Promise.reject(
        publishingTerminal(
          PublishingErrorCode.signingKeyMissing,
          'the sign stage has no key: set PF_SIGNING_KEY to file:///path/to/key.pem (an ECDSA P-256 key readable by its owner only)',
        ),
      );
    this.key ??= loadSigningKey(
      signingKeyUri(uri),
      this.config.PF_SIGNING_KEY_PASSPHRASE ? { passphrase: this.config.PF_SIGNING_KEY_PASSPHRASE } : {},
    ).catch((error: unknown) => {
      this.key = undefined;
      throw error instanceof PipelineError
        ? error
        : publishingTerminal(
            PublishingErrorCode.signingKeyMissing,
            `the signing key cannot be loaded: ${(error as Error).message}`,
          );
    });
    return this.key;
  }
}
