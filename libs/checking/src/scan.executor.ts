import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { RunIdSchema } from '@patch-factory/contracts';
import { CatalogAccess, catalogReader, readRunDefinition, runOutRoot } from '@patch-factory/catalog-access';
import {
  hidingRunPaths,
  runDirectory,
  runRelativePath,
  type StageContext,
  type StageExecutor,
  type StageResult,
} from '@patch-factory/pipeline';
import { AdvisoryRepository, ReleaseRepository } from '@patch-factory/store';
import { sbomValidators, spdxSchemaPath, type SbomValidators } from '@patch-factory/sbom';
import { emitImageVex, type Finding } from '@patch-factory/vuln';
import { loadAdvisories } from './advisories';
import { rescanBaseline } from './baseline-rescan';
import { buildInputOf } from './build-input';
import { readCatalogVex } from './catalog-vex';
import { CheckingErrorCode, checkingTerminal } from './checking-errors';
import { readGates } from './gates-read';
import { evaluateSbom, evaluateVulnerabilities } from './gates';
import { LastScanIndex, readComparableReport } from './last-scan';
import { evaluateSbomSchemas, sbomInvalidError } from './sbom-gate';
import { scanPlatform, type PlatformScan } from './scan-platform';
import { countFindings, diffScans, type ComparableReport, type ScanDiff, type ScanReport } from './scan-report';

const MAX_REASONS = 10;
const DEFAULT_DISTRO = 'debian-12';
/** Why a scan published no VEX document (the `scan.vex.absent` artifact). */
export const NO_VEX =
  'no statement to make: the image has no finding, none suppressed and none fixed (an OpenVEX document needs at least one statement)';

/**
 * The `scan` stage, for every platform of the run's built image: SBOMs (CycloneDX and SPDX, in
 * `<PF_BUILD_OUT_DIR>/<runId>/sbom/`), a vulnerability scan against the advisories of
 * PF_ADVISORY_DIR and those of the store (AdvisoryRepository: the watcher's feeds) with the catalog's VEX statements applied (`.patch-factory/vex/`, see
 * readCatalogVex), and the image's OpenVEX document (`vex.json`). The scan report
 * (`scan-report.json`: findings, suppressed, counts, diff) compares with the image last published
 * from the definition (ReleaseRepository, recorded by promote), or before any was, with the
 * definition's last scan that passed (LastScanIndex). Gates (`.patch-factory/gates.yaml`): a missing SBOM fails
 * with `gate-sbom-missing`, an SBOM that breaks its official schema (CycloneDX 1.6 of
 * @cyclonedx/cyclonedx-library, SPDX 2.3 at PF_SPDX_SCHEMA_PATH) with `sbom-invalid` naming the
 * document, path and rule (a schema that cannot be read: `sbom-schema-missing`), a new fixable finding at a failing severity with
 * `gate-new-fixable-vulnerability` naming the CVEs and packages. A passing scan becomes the
 * definition's last scan.
 */
@Injectable()
export class ScanExecutor implements StageExecutor<'scan'> {
  private readonly outRoot: string;
  private readonly advisoryDir: string | undefined;
  private readonly index: LastScanIndex;
  private readonly spdxSchema: string | undefined;

  constructor(
    private readonly access: CatalogAccess,
    private readonly stored: AdvisoryRepository,
    private readonly releases: ReleaseRepository,
    @Inject(CONFIG) config: Env,
  ) {
    this.outRoot = runOutRoot(config);
    this.advisoryDir = config.PF_ADVISORY_DIR;
    this.index = new LastScanIndex(this.outRoot);
    this.spdxSchema = config.PF_SPDX_SCHEMA_PATH;
  }

  /** The SBOM validators (compiled once per process); the schema is named by its setting, not its server path (issue 14). */
  private validators(): SbomValidators {
    const label = this.spdxSchema
      ? `named by PF_SPDX_SCHEMA_PATH`
      : 'beside the repository (../shared/schemas/spdx-2.3/spdx-schema.json)';
    return sbomValidators(spdxSchemaPath(this.spdxSchema), label);
  }

  /**
   * What this scan is compared with: the image last promoted from the definition (what consumers
   * run now), else the last scan that passed (before anything was published). A report that
   * cannot be read is no baseline: everything counts as new, which fails safe.
   */
  private async baseline(
    definition: string,
    runId: string,
  ): Promise<(ComparableReport & { runId: string; against: NonNullable<ScanDiff['against']> }) | undefined> {
    const published = await this.releases.published(definition);
    if (published?.scanReport && published.runId !== runId) {
      const report = await readComparableReport(published.scanReport, published.runId);
      if (report)
        return { ...report, against: { kind: 'published', runId: published.runId, digest: published.digest } };
    }
    const last = await this.index.previous(definition, runId);
    return last ? { ...last, against: { kind: 'last-passing-scan', runId: last.runId } } : undefined;
  }

  /** The stage; its errors name the run's files relative to the run directory (issue 14: no server path in a run). */
  execute(ctx: StageContext<'scan'>): Promise<StageResult<'scan'>> {
    return hidingRunPaths(this.outRoot, ctx.runId, () => this.executeStage(ctx));
  }

  private async executeStage(ctx: StageContext<'scan'>): Promise<StageResult<'scan'>> {
    const runId = RunIdSchema.parse(ctx.runId);
    const dir = runDirectory(this.outRoot, runId);
    const input = await buildInputOf(await ctx.loadRun(), runId, 'scan', dir);
    const read = catalogReader(this.access);
    const definition = await readRunDefinition(read, ctx.definition, input.branch);
    const gates = await readGates(read, input.branch);
    const vex = await readCatalogVex(read, ctx.definition, input.branch);
    const advisories = await loadAdvisories(this.advisoryDir, this.stored.documents());
    const validators = this.validators();
    const sbomDir = join(dir, 'sbom');
    await mkdir(sbomDir, { recursive: true });
    const name = definition.image ?? ctx.definition.replace(/\.ya?ml$/, '').toLowerCase();
    const scans: PlatformScan[] = [];
    for (const [done, platform] of input.platforms.entries()) {
      ctx.progress({ what: `scan ${platform}`, done, total: input.platforms.length });
      scans.push(
        await scanPlatform({
          layout: input.layout,
          platform,
          name,
          digest: input.digest,
          sbomDir,
          db: advisories.db,
          vex: vex.documents,
          validators,
        }),
      );
    }
    const findings = scans.flatMap((s) => s.findings);
    const suppressed = scans.flatMap((s) => s.suppressed);
    const platforms = scans.map((s) => s.platform);
    const previous = await this.baseline(ctx.definition, runId);
    // "fixed" is exact: the previous image rescanned under today's advisories, not its stale report.
    const rescan = previous
      ? rescanBaseline(previous, advisories.db, vex.documents, {
          name,
          ...(previous.against.digest ? { digest: previous.against.digest } : {}),
        })
      : undefined;
    const report: ScanReport = {
      definition: ctx.definition,
      runId,
      digest: input.digest,
      platforms,
      findings,
      suppressed,
      counts: countFindings(findings, suppressed.length),
      diff: diffScans({ findings, platforms }, previous, rescan?.findings),
      advisories: { files: advisories.files, stored: advisories.stored, problems: advisories.problems },
    };
    const paths = { report: join(dir, 'scan-report.json'), vex: join(dir, 'vex.json') };
    // What the run shows: relative to its directory, no server path (issue 14).
    const shown = (path: string) => runRelativePath(dir, path);
    await writeFile(paths.report, `${JSON.stringify(report, null, 2)}\n`);
    const fixed = (rescan?.findings ?? []).filter((f) =>
      report.diff.fixed.some((x) => x.id === f.id && x.package === f.package),
    );
    // The statements are made now, by this scan: not at the build's SOURCE_DATE_EPOCH (the image's `created`).
    const scannedAt = new Date().toISOString();
    const vexDoc = emitImageVex({
      image: { name, digest: input.digest },
      distro: platforms.find((p) => p.distro !== undefined)?.distro ?? DEFAULT_DISTRO,
      findings,
      suppressed,
      fixed: dedupe(fixed),
      timestamp: scannedAt,
    });
    // Nothing to state (no finding, none suppressed, none fixed): no document, since OpenVEX
    // requires a statement and any would be made up; the absence is recorded in the artifacts
    // (`scan.vex.absent`) and no VEX attestation is made. A file of an earlier attempt goes.
    if (vexDoc) await writeFile(paths.vex, `${JSON.stringify(vexDoc, null, 2)}\n`);
    else await rm(paths.vex, { force: true });
    ctx.logger.info(
      {
        counts: report.counts,
        new: report.diff.new.length,
        fixed: report.diff.fixed.length,
        withdrawn: report.diff.withdrawn?.length ?? 0,
        rescanProblems: rescan?.problems.length ?? 0,
        previous: previous?.runId,
      },
      'image scanned',
    );

    const sbomGate = evaluateSbom(report, gates);
    if (!sbomGate.passed) {
      throw checkingTerminal(
        CheckingErrorCode.sbomMissing,
        `${ctx.definition} (image ${input.digest}): the SBOM is required and missing: ${listed(sbomGate.reasons)} (report ${shown(paths.report)} of the run)`,
      );
    }
    const schemaGate = evaluateSbomSchemas(report);
    if (!schemaGate.passed)
      throw sbomInvalidError(
        { definition: ctx.definition, digest: input.digest, report: shown(paths.report) },
        schemaGate,
      );
    const vulnGate = evaluateVulnerabilities(report, gates, previous);
    if (!vulnGate.passed) {
      const since = previous
        ? `since ${previous.against.kind === 'published' ? `the published image ${previous.against.digest ?? ''} (run ${previous.runId})` : `run ${previous.runId}`}`
        : 'with no earlier scan of the definition';
      throw checkingTerminal(
        CheckingErrorCode.newFixableVulnerability,
        `${ctx.definition} (image ${input.digest}): ${vulnGate.blocking.length} new fixable vulnerabilit${vulnGate.blocking.length === 1 ? 'y' : 'ies'} ${since} at a failing severity (${gates.vulnerabilities.failOnNewFixable.join(', ')}): ${listed(vulnGate.reasons)} (report ${shown(paths.report)} of the run)`,
      );
    }
    await this.index.record({ definition: ctx.definition, runId, report: paths.report });
    const sboms = platforms.flatMap((p) => (p.sbom ? [p.sbom] : []));
    const c = report.counts;
    return {
      artifacts: {
        'scan.report': shown(paths.report),
        'scan.sbom.cyclonedx': sboms.map((s) => shown(s.cyclonedx)).join(','),
        'scan.sbom.spdx': sboms.map((s) => shown(s.spdx)).join(','),
        ...(vexDoc ? { 'scan.vex': shown(paths.vex) } : { 'scan.vex.absent': NO_VEX }),
        'scan.findings': String(c.findings),
        'scan.fixable': String(c.fixable),
        'scan.critical': String(c.critical),
        'scan.high': String(c.high),
        'scan.suppressed': String(c.suppressed),
        'scan.new': String(report.diff.new.length),
        'scan.fixed': String(report.diff.fixed.length),
        'scan.withdrawn': String(report.diff.withdrawn?.length ?? 0),
        'scan.advisories.stored': String(advisories.stored),
      },
    };
  }
}

function listed(reasons: readonly string[]): string {
  const more = reasons.length > MAX_REASONS ? `; … and ${reasons.length - MAX_REASONS} more` : '';
  return `${reasons.slice(0, MAX_REASONS).join('; ')}${more}`;
}

/** One finding per vulnerability, package and arch (the previous report's findings are per platform). */
function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const f of findings) seen.set(`${f.id}\u0000${f.package}\u0000${f.arch}`, f);
  return [...seen.values()];
}
