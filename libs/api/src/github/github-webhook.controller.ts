import { createHash } from 'node:crypto';
import { Body, Controller, Headers, Inject, UseFilters } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { ErrorCode, TerminalError } from '@patch-factory/contracts';
import { StageRunner, type WrittenArtifacts } from '@patch-factory/pipeline';
import { JobProducer } from '@patch-factory/queue';
import { DeliveryLog, PullRequestLinks } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import type { WatchTarget } from '@patch-factory/sources';
import { WATCH_TARGETS } from '@patch-factory/watching';
import { ApiErrorFilter } from '../api-error.filter';
import { ApiRoute } from '../api-route.decorator';
import type { WebhookAnswer } from '../api-responses.schemas';
import { API_ROUTES } from '../api.routes';
import { parseRequest } from '../parse-request';
import { githubSignatureProblem } from './github-signature';
import { pullRequestScopeProblem } from './github-pull-request-scope';
import { DeliveryIdSchema, EventNameSchema, PullRequestEventSchema, ReleaseEventSchema } from './github-webhook.schema';

export type { WebhookAnswer } from '../api-responses.schemas';

/**
 * Inbound GitHub webhooks. Every delivery is checked against `X-Hub-Signature-256` first
 * (constant time; unsigned or forged → 401 and nothing happens). A merged pull request
 * resumes the runs parked at `review` on its branch, which enqueues their `promote` stage,
 * only when it is a pull request of the catalog repository (PF_GITHUB_OWNER/PF_GITHUB_REPO,
 * any case) into the catalog branch (PF_CATALOG_BRANCH, else the repository's default branch);
 * any other is answered `ignored` with its reason, logged, and changes nothing.
 * Only Redis is touched, so GitHub gets its answer at once; a redelivery (same
 * `X-GitHub-Delivery`) is answered `duplicate`, and even a concurrent one promotes once
 * (deterministic job ids, idempotent transitions).
 */
// No token (API_ROUTES: public): every delivery carries its own signature, checked first.
@Controller()
@UseFilters(ApiErrorFilter)
export class GithubWebhookController {
  constructor(
    @Inject(CONFIG) private readonly config: Env,
    private readonly deliveries: DeliveryLog,
    private readonly links: PullRequestLinks,
    private readonly runner: StageRunner,
    private readonly producer: JobProducer,
    @Inject(WATCH_TARGETS) private readonly targets: readonly WatchTarget[],
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @ApiRoute(API_ROUTES.githubWebhook)
  async receive(@Body() body: unknown, @Headers() headers: Record<string, string | undefined>): Promise<WebhookAnswer> {
    const secret = this.config.PF_GITHUB_WEBHOOK_SECRET;
    if (!secret)
      throw new TerminalError(
        'webhooks-not-configured',
        'GitHub webhooks are refused: PF_GITHUB_WEBHOOK_SECRET is not set',
      );
    const raw = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    const problem = githubSignatureProblem(secret, raw, headers['x-hub-signature-256']);
    if (problem) throw new TerminalError('invalid-signature', problem);

    const delivery = parseRequest(DeliveryIdSchema, headers['x-github-delivery'], 'X-GitHub-Delivery header');
    const event = parseRequest(EventNameSchema, headers['x-github-event'], 'X-GitHub-Event header');
    if (await this.deliveries.seen('github', delivery)) return { delivery, outcome: 'duplicate', runs: [] };
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      throw new TerminalError(ErrorCode.invalidPayload, `webhook body: not JSON (${(error as Error).message})`);
    }
    let answer: WebhookAnswer = { delivery, outcome: 'ignored', runs: [] };
    if (event === 'pull_request') {
      const pr = parseRequest(PullRequestEventSchema, json, 'pull_request event');
      const scope =
        pr.action === 'closed' && pr.pull_request.merged === true
          ? pullRequestScopeProblem(this.config, pr)
          : undefined;
      if (scope) {
        // Answered 2xx (GitHub retries anything else) and changes nothing.
        this.logger.warn(
          { delivery, event, reason: scope, pr: pr.pull_request.number },
          'merged pull request outside the catalog repository or branch ignored',
        );
        answer = { delivery, outcome: 'ignored', runs: [], reason: scope };
      } else if (pr.action === 'closed' && pr.pull_request.merged === true) {
        const runs = [];
        for (const runId of await this.links.runsOf(pr.pull_request.head.ref)) {
          const artifacts: WrittenArtifacts<'review'> = { 'pr.number': String(pr.pull_request.number) };
          if (pr.pull_request.merge_commit_sha) artifacts['pr.merge-commit'] = pr.pull_request.merge_commit_sha;
          runs.push({ runId, result: await this.runner.resume(runId, 'review', artifacts) });
        }
        answer = { delivery, outcome: runs.length ? 'promotion-enqueued' : 'ignored', runs };
      }
    }
    if (event === 'release') answer = await this.releasePublished(delivery, json);
    // Recorded after the work: a delivery that failed half-way is done again on redelivery.
    await this.deliveries.record('github', delivery, answer.outcome);
    return answer;
  }

  /**
   * A published release polls the watch targets of its repository now (github_release and
   * github_tag targets whose owner/repo match), instead of at their next scheduled poll. The
   * poll itself decides what is new, so a forged or repeated event can plan nothing twice.
   */
  private async releasePublished(delivery: string, json: unknown): Promise<WebhookAnswer> {
    const release = parseRequest(ReleaseEventSchema, json, 'release event');
    if (!['published', 'released', 'created'].includes(release.action))
      return { delivery, outcome: 'ignored', runs: [] };
    const repository = release.repository.full_name.toLowerCase();
    const matching = this.targets.filter(
      (t) =>
        (t.kind === 'github_release' || t.kind === 'github_tag') &&
        `${String(t.config['owner'])}/${String(t.config['repo'])}`.toLowerCase() === repository,
    );
    for (const t of matching) {
      const jobId = `watch-hook.${createHash('sha256').update(`${delivery}\n${t.key}`).digest('hex').slice(0, 32)}`;
      await this.producer.enqueue('watch.poll', { v: 1, target: t.key }, { jobId });
    }
    return {
      delivery,
      outcome: matching.length ? 'poll-enqueued' : 'ignored',
      runs: matching.map((t) => ({ runId: t.key, result: 'poll-enqueued' })),
    };
  }
}
