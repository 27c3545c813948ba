import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { OsvAdvisorySchema } from '@patch-factory/contracts';
import type { Scope } from '@patch-factory/store';
import { CreateTokenBodySchema, ListAuditQuerySchema, TokenIdSchema } from './access/access.schemas';
import {
  AdvisoryAnswerSchema,
  AuditListSchema,
  CreatedTokenSchema,
  DeadLetterListSchema,
  ReplayAnswerSchema,
  TokenListSchema,
  TriggerRunAnswerSchema,
  UpstreamEventAnswerSchema,
  WebhookAnswerSchema,
} from './api-responses.schemas';
import {
  ErrorBodySchema,
  ListDeadLettersQuerySchema,
  ListRunsQuerySchema,
  PathIdSchema,
  PostUpstreamEventSchema,
  TriggerRunBodySchema,
} from './api.schemas';
import {
  DeliveryIdSchema,
  EventNameSchema,
  PullRequestEventSchema,
  ReleaseEventSchema,
} from './github/github-webhook.schema';
import { PublicPipelineRunSchema } from './public-run';
import { IdempotencyKeySchema } from './trigger-idempotency';
import {
  DeliveryAnswerSchema,
  DeliveryDetailSchema,
  DeliveryIdSchema as WebhookDeliveryIdSchema,
  DeliveryListSchema,
  FeedQuerySchema,
  ListDeliveriesQuerySchema,
  ReplaySinceBodySchema,
  RotateSecretBodySchema,
  SubscriptionAnswerSchema,
  SubscriptionIdSchema,
  SubscriptionInputBodySchema,
  SubscriptionListSchema,
  SubscriptionPatchBodySchema,
  SubscriptionWithSecretSchema,
} from './webhooks/webhooks-api.schemas';

/** Who may call a route: a token with this scope, or anyone (`public`: health probes, signed webhooks). */
export type RouteAccess = Scope | 'public';

/** One answer of a route: its description and, when it has one, its body (JSON unless `mediaType` says otherwise). */
export interface RouteAnswer {
  description: string;
  body?: z.ZodType;
  mediaType?: string;
}

/**
 * One route of the API, declared once: the controller's handler is mapped from it (ApiRoute:
 * method, path, scope, success status) and the OpenAPI document is generated from it (its
 * request schemas and answers are the zod schemas the handler validates and answers with).
 */
export interface RouteSpec {
  operationId: string;
  method: 'get' | 'post' | 'patch' | 'delete';
  /** The path as OpenAPI writes it (`/runs/{id}`). */
  path: string;
  access: RouteAccess;
  /**
   * A setting that, when true, opens the route to callers without a token (PF_FEEDS_PUBLIC:
   * feeds); otherwise it needs `access` like any other (ApiRoute, SettingGatedAccessGuard).
   */
  publicWhen?: 'PF_FEEDS_PUBLIC';
  summary: string;
  description?: string;
  request?: Pick<NonNullable<RouteConfig['request']>, 'params' | 'query' | 'headers'> & { body?: z.ZodType };
  /** The route's own answers; the document adds those of the HTTP layer (401, 403, 421, 429, …). */
  responses: Record<number, RouteAnswer>;
}

/** An error answer: `{ error: { code, message } }` (ApiErrorFilter). */
const error = (description: string): RouteAnswer => ({ description, body: ErrorBodySchema });
const idParam = (schema: z.ZodType) => z.object({ id: schema });
/** The OSV advisory POST /events/advisory takes (the part the factory reads), as a named component. */
const OsvAdvisory = OsvAdvisorySchema.meta({ id: 'OsvAdvisory' });

const subscriptionId = idParam(SubscriptionIdSchema);
const WEBHOOKS_OWNERSHIP =
  'A caller sees and changes the subscriptions its token name owns (and their deliveries); a token with the admin scope, all of them. Another owner’s subscription answers 404, as a missing one does.';

/** The outbound webhooks' subscriptions, delivery log and replays, and the feeds of image updates (issue 17). */
function webhookRoutes() {
  return {
    createWebhookSubscription: {
      method: 'post',
      path: '/webhooks/subscriptions',
      access: 'webhooks',
      summary: 'Subscribe an endpoint to the factory’s events; its signing secret is answered this once',
      description: `The caller’s token name owns it. The secret (whsec_…, Standard Webhooks) is stored only sealed (AES-256-GCM under PF_WEBHOOK_SECRET_KEYS) and shown here and by rotate, never again. A URL whose host is an IP address no delivery may reach (a blocked range outside PF_WEBHOOK_ALLOW_CIDRS, or http:// outside it) is refused here; host names are resolved and checked at each delivery. ${WEBHOOKS_OWNERSHIP}`,
      request: { body: SubscriptionInputBodySchema },
      responses: {
        201: { description: 'Subscribed', body: SubscriptionWithSecretSchema },
        400: error('Invalid subscription (the message names each field at fault)'),
        503: error('No secret-sealing key configured (PF_WEBHOOK_SECRET_KEYS), or Redis unavailable'),
      },
    },
    listWebhookSubscriptions: {
      method: 'get',
      path: '/webhooks/subscriptions',
      access: 'read',
      summary: 'The caller’s webhook subscriptions (every one for admin), oldest first, never their secrets',
      description: WEBHOOKS_OWNERSHIP,
      responses: { 200: { description: 'Subscriptions', body: SubscriptionListSchema } },
    },
    getWebhookSubscription: {
      method: 'get',
      path: '/webhooks/subscriptions/{id}',
      access: 'read',
      summary: 'One webhook subscription, never its secrets',
      description: WEBHOOKS_OWNERSHIP,
      request: { params: subscriptionId },
      responses: {
        200: { description: 'The subscription', body: SubscriptionAnswerSchema },
        400: error('Invalid id'),
        404: error('No such subscription (or another owner’s)'),
      },
    },
    updateWebhookSubscription: {
      method: 'patch',
      path: '/webhooks/subscriptions/{id}',
      access: 'webhooks',
      summary: 'Change a subscription’s URL, description or filters; enable it again (enabled: true) or pause it',
      description: `Absent fields stay as they are; minSeverity: null removes it. ${WEBHOOKS_OWNERSHIP}`,
      request: { params: subscriptionId, body: SubscriptionPatchBodySchema },
      responses: {
        200: { description: 'The subscription as changed', body: SubscriptionAnswerSchema },
        400: error('Invalid id or changes (the message names each field at fault)'),
        404: error('No such subscription (or another owner’s)'),
      },
    },
    deleteWebhookSubscription: {
      method: 'delete',
      path: '/webhooks/subscriptions/{id}',
      access: 'webhooks',
      summary: 'Delete a subscription; its deliveries stay in the log and are not attempted again',
      description: WEBHOOKS_OWNERSHIP,
      request: { params: subscriptionId },
      responses: {
        204: { description: 'Deleted' },
        400: error('Invalid id'),
        404: error('No such subscription (or another owner’s)'),
      },
    },
    rotateWebhookSecret: {
      method: 'post',
      path: '/webhooks/subscriptions/{id}/rotate',
      access: 'webhooks',
      summary:
        'A new signing secret, answered this once; the previous one keeps signing too until the overlap ends (24 h by default)',
      description: WEBHOOKS_OWNERSHIP,
      request: { params: subscriptionId, body: RotateSecretBodySchema },
      responses: {
        200: { description: 'Rotated', body: SubscriptionWithSecretSchema },
        400: error('Invalid id or overlap'),
        404: error('No such subscription (or another owner’s)'),
        503: error('No secret-sealing key configured (PF_WEBHOOK_SECRET_KEYS), or Redis unavailable'),
      },
    },
    replayWebhookSubscription: {
      method: 'post',
      path: '/webhooks/subscriptions/{id}/replay',
      access: 'webhooks',
      summary:
        'Send again every delivery of the subscription made at or after a time (at most 1,000): new deliveries of the same messages, same webhook-id',
      description: WEBHOOKS_OWNERSHIP,
      request: { params: subscriptionId, body: ReplaySinceBodySchema },
      responses: {
        202: { description: 'The new deliveries, queued', body: DeliveryListSchema },
        400: error('Invalid id, or since not an RFC 3339 time in the past'),
        404: error('No such subscription (or another owner’s)'),
        409: error('The subscription is disabled: enable it first (webhook-replay-invalid)'),
      },
    },
    listWebhookDeliveries: {
      method: 'get',
      path: '/webhooks/deliveries',
      access: 'read',
      summary: 'The delivery log, newest first: the caller’s subscriptions’ deliveries (every one for admin)',
      description: WEBHOOKS_OWNERSHIP,
      request: { query: ListDeliveriesQuerySchema },
      responses: {
        200: { description: 'Deliveries', body: DeliveryListSchema },
        400: error('Invalid query'),
        404: error('No such subscription (or another owner’s)'),
      },
    },
    getWebhookDelivery: {
      method: 'get',
      path: '/webhooks/deliveries/{id}',
      access: 'read',
      summary: 'One delivery with its attempts: status, latency, a bounded excerpt of the answer, the error code',
      description: WEBHOOKS_OWNERSHIP,
      request: { params: idParam(WebhookDeliveryIdSchema) },
      responses: {
        200: { description: 'The delivery', body: DeliveryDetailSchema },
        400: error('Invalid id'),
        404: error('No such delivery (or one of another owner’s subscription)'),
      },
    },
    replayWebhookDelivery: {
      method: 'post',
      path: '/webhooks/deliveries/{id}/replay',
      access: 'webhooks',
      summary: 'Send one delivery again: a new delivery of the same message, same webhook-id',
      description: WEBHOOKS_OWNERSHIP,
      request: { params: idParam(WebhookDeliveryIdSchema) },
      responses: {
        202: { description: 'The new delivery, queued', body: DeliveryAnswerSchema },
        400: error('Invalid id'),
        404: error('No such delivery, or its subscription is gone (or another owner’s)'),
        409: error('The subscription is disabled: enable it first (webhook-replay-invalid)'),
        410: error('The delivery’s event is no longer stored (events are kept 30 days)'),
      },
    },
    imagesFeed: {
      method: 'get',
      path: '/feeds/images.atom',
      access: 'read',
      publicWhen: 'PF_FEEDS_PUBLIC',
      summary:
        'Atom feed of image updates, newest first: the whole catalog, or one image (image=examples/redis); each entry lists the tags moved with their digests and the CVEs fixed with their severities',
      description:
        'Without a token when the operator sets PF_FEEDS_PUBLIC=true. One image’s feed shows its entries among the newest 1,000 image events; each feed holds at most 50 entries.',
      request: { query: FeedQuerySchema },
      responses: {
        200: { description: 'The feed (Atom 1.0), with an ETag', body: z.string(), mediaType: 'application/atom+xml' },
        304: { description: 'Not modified: the feed is still the one the If-None-Match ETag names' },
        400: error('Invalid query'),
      },
    },
  } satisfies Record<string, Omit<RouteSpec, 'operationId'>>;
}

/** The routes of the operator API (libs/api controllers), by operation id. */
const routes = {
  listRuns: {
    method: 'get',
    path: '/runs',
    access: 'read',
    summary: 'List pipeline runs, newest first',
    request: { query: ListRunsQuerySchema },
    responses: {
      200: { description: 'Runs', body: z.strictObject({ runs: z.array(PublicPipelineRunSchema) }) },
      400: error('Invalid query'),
    },
  },
  triggerRun: {
    method: 'post',
    path: '/runs',
    access: 'trigger',
    summary: 'Start a pipeline run for a definition',
    description:
      'With an Idempotency-Key header, a retry of the same request with the same key within 24 h answers the run of the first request instead of starting another; the key used for a different request is refused (422 idempotency-key-reused).',
    request: { headers: z.object({ 'Idempotency-Key': IdempotencyKeySchema.optional() }), body: TriggerRunBodySchema },
    responses: {
      202: { description: 'Run accepted', body: TriggerRunAnswerSchema },
      400: error('Invalid definition path, body or Idempotency-Key header'),
      413: error('Body too large'),
      422: error('Idempotency-Key already used for a different request'),
      503: error('Redis unavailable'),
    },
  },
  getRun: {
    method: 'get',
    path: '/runs/{id}',
    access: 'read',
    summary: 'One run with its stage timeline',
    request: { params: idParam(PathIdSchema) },
    responses: {
      200: { description: 'The run', body: PublicPipelineRunSchema },
      400: error('Invalid id'),
      404: error('No such run'),
    },
  },
  listDeadLetters: {
    method: 'get',
    path: '/dead-letters',
    access: 'read',
    summary: 'Jobs that exhausted their attempts or failed terminally',
    request: { query: ListDeadLettersQuerySchema },
    responses: { 200: { description: 'Dead letters', body: DeadLetterListSchema }, 400: error('Invalid query') },
  },
  replayDeadLetter: {
    method: 'post',
    path: '/dead-letters/{id}/replay',
    access: 'replay',
    summary: 'Put a dead-lettered job back on its queue with its original ids',
    request: { params: idParam(PathIdSchema) },
    responses: {
      200: { description: 'Replayed', body: ReplayAnswerSchema },
      400: error('Invalid id, or the payload is still invalid'),
      404: error('No such entry'),
      409: error('The job id is in use on its queue'),
      422: error('The entry does not match its job, or the job name is unknown'),
    },
  },
  postUpstreamEvent: {
    method: 'post',
    path: '/events/upstream',
    access: 'events',
    summary:
      'Record an upstream event (a new version at a source) and plan it: affected definitions, one PatchRequest per image stream, a run per definition',
    description:
      'The factory derives the event id, stamps when it first saw it, and alone decides severity, advisory and security: a body setting any of them is refused (400 naming each).',
    request: { body: PostUpstreamEventSchema },
    responses: {
      202: {
        description: 'Accepted (duplicate: the event id was seen before; it is planned once)',
        body: UpstreamEventAnswerSchema,
      },
      400: error('Invalid event, or one setting a field the factory decides'),
      503: error('Redis unavailable'),
    },
  },
  postAdvisory: {
    method: 'post',
    path: '/events/advisory',
    access: 'events',
    summary:
      'Record an OSV advisory: its document is stored for the scan stage (the newest modified wins), and each fixed Debian or Alpine package version is planned as an upstream event with the advisory severity',
    request: { body: OsvAdvisory },
    responses: {
      202: {
        description:
          'Accepted (stored: false when a document of the advisory as new or newer by modified was already stored)',
        body: AdvisoryAnswerSchema,
      },
      400: error('Invalid advisory (nothing stored)'),
      409: error(
        'The stored document of the advisory comes from a configured feed; only a caller with the admin scope may replace it (advisory-owned-by-feed; nothing stored, no events)',
      ),
      413: error('Advisory document too large to store (nothing stored)'),
      503: error('Redis unavailable'),
    },
  },
  githubWebhook: {
    method: 'post',
    path: '/webhooks/github',
    access: 'public',
    summary:
      'Inbound GitHub webhook: a merged pull request promotes the runs on its branch; a published release polls its repository’s watch targets at once',
    description:
      'Signed with PF_GITHUB_WEBHOOK_SECRET (X-Hub-Signature-256 over the exact body bytes); a redelivery (same X-GitHub-Delivery) is answered duplicate. The body schema is the part of each event the factory reads.',
    request: {
      headers: z.object({
        'X-Hub-Signature-256': z.string().regex(/^sha256=[0-9a-f]{64}$/),
        'X-GitHub-Delivery': DeliveryIdSchema,
        'X-GitHub-Event': EventNameSchema,
      }),
      body: z.union([PullRequestEventSchema, ReleaseEventSchema]),
    },
    responses: {
      202: {
        description: 'Accepted (promotion-enqueued, poll-enqueued, ignored or duplicate)',
        body: WebhookAnswerSchema,
      },
      400: error('Malformed delivery'),
      401: error('Missing or wrong signature'),
      413: error('Body too large'),
      503: error('Webhooks not configured (PF_GITHUB_WEBHOOK_SECRET)'),
    },
  },
  openApiDocument: {
    method: 'get',
    path: '/openapi.json',
    access: 'read',
    summary: 'This document',
    responses: { 200: { description: 'The OpenAPI document', body: z.record(z.string(), z.unknown()) } },
  },
  createToken: {
    method: 'post',
    path: '/tokens',
    access: 'admin',
    summary: 'Make an API token with a role or scopes; its secret is answered once',
    request: { body: CreateTokenBodySchema },
    responses: { 201: { description: 'Created', body: CreatedTokenSchema }, 400: error('Invalid body') },
  },
  listTokens: {
    method: 'get',
    path: '/tokens',
    access: 'admin',
    summary: 'The tokens (never their secrets)',
    responses: { 200: { description: 'Tokens', body: TokenListSchema } },
  },
  revokeToken: {
    method: 'delete',
    path: '/tokens/{id}',
    access: 'admin',
    summary: 'Revoke a token at once',
    request: { params: idParam(TokenIdSchema) },
    responses: { 204: { description: 'Revoked' }, 400: error('Invalid id'), 404: error('No such token') },
  },
  listAudit: {
    method: 'get',
    path: '/audit',
    access: 'admin',
    summary: 'The audit log: every write request and every refused request (who, what, when, outcome), newest first',
    request: { query: ListAuditQuerySchema },
    responses: { 200: { description: 'Entries', body: AuditListSchema }, 400: error('Invalid query') },
  },
  ...webhookRoutes(),
} satisfies Record<string, Omit<RouteSpec, 'operationId'>>;

export type ApiOperationId = keyof typeof routes;

/** Every route of the operator API, declared once (the ApiRoute decorator maps a handler from one). */
export const API_ROUTES = Object.fromEntries(
  Object.entries(routes).map(([operationId, route]) => [operationId, { operationId, ...route }]),
) as unknown as {
  readonly [K in ApiOperationId]: RouteSpec & { operationId: K };
};

/**
 * Routes every service serves (libs/queue HealthController), documented here for the API
 * process; the document's spec checks them against the routes the running API registers.
 */
export const SERVICE_ROUTES: readonly RouteSpec[] = [
  {
    operationId: 'live',
    method: 'get',
    path: '/health/live',
    access: 'public',
    summary: 'Liveness',
    responses: { 200: { description: 'Alive' }, 503: { description: 'Stalled' } },
  },
  {
    operationId: 'ready',
    method: 'get',
    path: '/health/ready',
    access: 'public',
    summary: 'Readiness',
    responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready' } },
  },
  {
    operationId: 'metrics',
    method: 'get',
    path: '/metrics',
    access: 'read',
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'Metrics', body: z.string(), mediaType: 'text/plain' } },
  },
];

/** The success status of a route (its one 2xx answer). */
export function successStatus(route: RouteSpec): number {
  const ok = Object.keys(route.responses)
    .map(Number)
    .filter((s) => s >= 200 && s < 300);
  if (ok.length !== 1)
    throw new Error(`route ${route.operationId}: expected exactly one 2xx answer, found ${ok.length}`);
  return ok[0] as number;
}
