import { readFile } from 'node:fs/promises';
import {
  PredicateType,
  buildAttestations,
  parsePackagesJson,
  resolvedBuildPackages,
  resolvedPackages,
  statementFor,
  type ImageSubject,
  type InTotoStatement,
  type ProvenanceInput,
} from '@patch-factory/signing';
import { readJsonDocument, type RunOutputs } from './run-outputs';

/** What a run's provenance needs beyond its files. */
export interface RunProvenanceContext {
  runId: string;
  definition: string;
  /** The catalog repository (its URL, or path for a local one). */
  repository: string;
  /** The builder's id (a URI naming this factory). */
  builderId: string;
  sourceDateEpoch?: number;
  startedOn: Date | string;
  finishedOn: Date | string;
}

/**
 * The in-toto statements of a run's image: SLSA provenance (every package with its sha256),
 * then for each platform its CycloneDX and SPDX SBOMs, then the OpenVEX document, the CTRF
 * test report and the scan report — each one only when the run made it.
 */
export async function runAttestations(
  image: ImageSubject,
  outputs: RunOutputs,
  ctx: RunProvenanceContext,
): Promise<InTotoStatement<object>[]> {
  const packagesJson = parsePackagesJson(await readFile(outputs.packages), outputs.packages, outputs.digest);
  if (!outputs.commit)
    throw new Error(`run ${ctx.runId} recorded no build.commit: its provenance cannot name the definition's commit`);
  const provenance: ProvenanceInput = {
    builderId: ctx.builderId,
    definition: {
      path: ctx.definition,
      repository: ctx.repository,
      commit: outputs.commit,
      ...(outputs.branch ? { ref: outputs.branch } : {}),
    },
    platforms: packagesJson.platforms.map((p) => p.platform),
    ...(ctx.sourceDateEpoch !== undefined ? { sourceDateEpoch: ctx.sourceDateEpoch } : {}),
    internalParameters: { inputKey: packagesJson.inputKey },
    packages: resolvedPackages(packagesJson),
    buildPackages: resolvedBuildPackages(packagesJson),
    runId: ctx.runId,
    startedOn: ctx.startedOn,
    finishedOn: ctx.finishedOn,
  };
  const [firstCdx, ...moreCdx] = outputs.sboms.cyclonedx;
  const [firstSpdx, ...moreSpdx] = outputs.sboms.spdx;
  const statements = buildAttestations({
    image,
    provenance,
    ...(firstCdx ? { cyclonedx: await readJsonDocument(firstCdx, 'the CycloneDX SBOM') } : {}),
    ...(firstSpdx ? { spdx: await readJsonDocument(firstSpdx, 'the SPDX SBOM') } : {}),
    ...(outputs.vex ? { openvex: await readJsonDocument(outputs.vex, 'the OpenVEX document') } : {}),
    ...(outputs.testReport ? { testReport: await readJsonDocument(outputs.testReport, 'the test report') } : {}),
    ...(outputs.scanReport ? { scanReport: await readJsonDocument(outputs.scanReport, 'the scan report') } : {}),
  });
  // The other platforms' SBOMs: statements of the same types about the same image index.
  for (const path of moreCdx)
    statements.push(
      statementFor(image, PredicateType.cyclonedx, (await readJsonDocument(path, 'the CycloneDX SBOM')) as object),
    );
  for (const path of moreSpdx)
    statements.push(statementFor(image, PredicateType.spdx, (await readJsonDocument(path, 'the SPDX SBOM')) as object));
  return statements;
}
