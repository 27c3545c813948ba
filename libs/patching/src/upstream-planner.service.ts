import { Inject, Injectable } from '@nestjs/common';
import { TerminalError } from '@patch-factory/contracts';
import { planPatchRequests } from '@patch-factory/definitions';
import { RunLauncher, newRunId } from '@patch-factory/pipeline';
import { AdvisoryRepository, PatchRequestRepository, RunRepository } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import { CatalogAccess } from './catalog-access';
import { readCatalog } from './read-catalog';

export interface PlanOutcome {
  requests: { id: string; stream: string; runs: string[] }[];
  skipped: { file: string; reason: string }[];
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
  constructor(
    private readonly access: CatalogAccess,
    private readonly requests: PatchRequestRepository,
    private readonly runs: RunRepository,
    private readonly advisories: AdvisoryRepository,
    private readonly launcher: RunLauncher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async plan(eventId: string): Promise<PlanOutcome> {
    const event = await this.requests.getEvent(eventId);
    if (!event) throw new TerminalError('event-not-found', `upstream event ${eventId} is not in the store`);
    const catalog = await readCatalog(this.access.workspace());
    for (const e of catalog.errors) this.logger.warn({ file: e.file, err: e.message }, 'definition not readable; left out of planning');
    const plan = planPatchRequests(catalog.index, (f) => catalog.deps.get(f), event);
    const outcome: PlanOutcome = { requests: [], skipped: plan.skipped };
    for (const request of plan.requests) {
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
    this.logger.info({ eventId, requests: outcome.requests.length, skipped: outcome.skipped.length }, 'upstream event planned');
    return outcome;
  }
}
