import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { TerminalError, upstreamEventJobId, type UpstreamEvent } from '@patch-factory/contracts';
import { JobProducer } from '@patch-factory/queue';
import { loadSoakRules, soakOf, withSecurityUpdateSeverity, type SoakRule } from '@patch-factory/sources';
import { checkVarChange, planPatchRequests } from '@patch-factory/definitions';
import { RunLauncher, newRunId } from '@patch-factory/pipeline';
import { AdvisoryRepository, PatchRequestRepository, RunRepository } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import { CatalogAccess } from '@patch-factory/catalog-access';
import { readCatalog } from './read-catalog';
import { storedEventError } from './patching-errors';
import { trustedEvent } from './trusted-event';

/** The severities of a security fix (`none` is an advisory's way of saying it is not one). */
const SECURITY_SEVERITIES: ReadonlySet<string> = new Set(['low', 'medium', 'high', 'critical']);

/**
 * True when the event is a security fix, which does not soak: it names an advisory, carries a
 * real security severity (low…critical; `none` never counts), or a watcher marked it as published
 * in a security suite. Only for an event as trustedEvent and withSecurityUpdateSeverity left it:
 * its advisory and severity come from the store, never from a caller.
 */
export function isSecurityFix(event: Pick<UpstreamEvent, 'advisory' | 'severity' | 'security'>): boolean {
  return (
    event.advisory !== undefined ||
    event.security !== undefined ||
    (event.severity !== undefined && SECURITY_SEVERITIES.has(event.severity))
  );
}

export interface PlanOutcome {
  requests: { id: string; stream: string; runs: string[] }[];
  skipped: { file: string; reason: string }[];
  /** Streams held back until the new version has soaked, and until when (epoch ms). */
  soaking: { stream: string; until: number }[];
}

/**
 * Plans an upstream event: reads the catalog's default branch, finds the affected
 * definitions, stores one PatchRequest per image stream and launches one run per
 * definition (`plan` → … → `notify`, trigger `upstream` naming the PatchRequest).
 * Idempotent: PatchRequest ids are deterministic and each file's run is claimed once,
 * so a planning job that runs twice launches nothing twice.
 */
@Injectable()
export class UpstreamPlanner {
  private readonly soak: SoakRule[];

  constructor(
    @Inject(CONFIG) config: Env,
    private readonly producer: JobProducer,
    private readonly access: CatalogAccess,
    private readonly requests: PatchRequestRepository,
    private readonly runs: RunRepository,
    private readonly advisories: AdvisoryRepository,
    private readonly launcher: RunLauncher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.soak = loadSoakRules(config.PF_WATCH_CONFIG);
  }

  async plan(eventId: string): Promise<PlanOutcome> {
    // Only what the factory trusts: the advisory and its severity from the stored advisory (trustedEvent).
    // Then a security suite's update (or an advisory's fix) with no severity takes its advisory's, else counts as security (sources).
    const event = await this.requests.getEvent(eventId).then(
      async (e) => {
        if (!e) return undefined;
        const trusted = await trustedEvent(e, this.advisories);
        if (trusted.distrusted)
          this.logger.warn({ eventId, reason: trusted.distrusted }, 'event advisory or severity not trusted');
        return withSecurityUpdateSeverity(trusted.event, this.advisories);
      },
      (error: unknown) => {
        // A hostile ref is an input error: terminal at once, never retried (issue 14).
        throw storedEventError(eventId, error);
      },
    );
    if (!event) throw new TerminalError('event-not-found', `upstream event ${eventId} is not in the store`);
    const catalog = await readCatalog(this.access.workspace());
    for (const e of catalog.errors)
      this.logger.warn({ file: e.file, err: e.message }, 'definition not readable; left out of planning');
    const plan = planPatchRequests(catalog.index, (f) => catalog.deps.get(f), event);
    // Every change (the version and each value the track's `set:` computed) is checked as a variable change before it is stored.
    for (const request of plan.requests)
      for (const f of request.files) f.changes.forEach((c) => checkVarChange(c, `event ${event.id}: ${f.file}`));
    const outcome: PlanOutcome = { requests: [], skipped: plan.skipped, soaking: [] };
    const now = Date.now();
    for (const request of plan.requests) {
      // The one soak mechanism: a plain update waits for the longest minimum release age among
      // the stream's files; a security fix (an advisory, or a severity of low or more) does not wait.
      const until = isSecurityFix(event)
        ? 0
        : event.firstSeenAt + Math.max(0, ...request.files.map((f) => soakOf(this.soak, f.file)));
      if (until > now) {
        outcome.soaking.push({ stream: request.stream, until });
        continue;
      }
      const stored = await this.requests.save({ ...request, createdAt: Date.now() });
      // The SLA engine's input: which image streams an advisory touches.
      if (event.advisory) await this.advisories.addStream(event.advisory, stored.stream);
      const launched: string[] = [];
      for (const { file } of stored.files) {
        const runId = await this.requests.claimRun(stored.id, file, newRunId());
        if (!(await this.runs.get(runId))) {
          await this.launcher.launch(file, { kind: 'upstream', ref: stored.id }, {}, runId);
        }
        launched.push(runId);
      }
      outcome.requests.push({ id: stored.id, stream: stored.stream, runs: launched });
    }
    if (outcome.soaking.length) {
      // Plan again once the soonest held-back stream has soaked (a new job: this one is running).
      const at = Math.min(...outcome.soaking.map((s) => s.until));
      await this.producer.enqueue(
        'event.upstream',
        { v: 1, eventId },
        { jobId: `${upstreamEventJobId(eventId)}.soak.${at}`, delayMs: Math.max(1, at - now) },
      );
    }
    this.logger.info(
      { eventId, requests: outcome.requests.length, skipped: outcome.skipped.length, soaking: outcome.soaking.length },
      'upstream event planned',
    );
    return outcome;
  }
}
