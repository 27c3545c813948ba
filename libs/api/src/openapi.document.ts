import { z } from 'zod';
import { DeadLetterPayloadSchema, RUN_STATES } from '@patch-factory/contracts';
import { ROLES, type Scope } from '@patch-factory/store';
import { CreateTokenBodySchema } from './access/access.schemas';
import { ErrorBodySchema, TriggerRunBodySchema } from './api.schemas';
import { PostUpstreamEventSchema } from './events.controller';
import { PublicPipelineRunSchema } from './public-run';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (s: object) => ({ 'application/json': { schema: s } });
const error = (description: string) => ({ description, content: json(ref('Error')) });

/** The OpenAPI 3.1 description of the operator API, built from the same zod schemas that validate it. */
export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'patch-factory operator API',
      version,
      description: 'Pipeline runs and the dead-letter queue of a patch-factory installation.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    paths: withAccess({
      '/runs': {
        get: {
          operationId: 'listRuns',
          summary: 'List pipeline runs, newest first',
          parameters: [
            { name: 'state', in: 'query', required: false, schema: { type: 'string', enum: [...RUN_STATES] } },
            { name: 'definition', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ],
          responses: {
            '200': { description: 'Runs', content: json({ type: 'object', required: ['runs'], properties: { runs: { type: 'array', items: ref('PipelineRun') } } }) },
            '400': error('Invalid query'),
          },
        },
        post: {
          operationId: 'triggerRun',
          summary: 'Start a pipeline run for a definition',
          description:
            'With an Idempotency-Key header, a retry of the same request with the same key within 24 h answers the run of the first request instead of starting another; the key used for a different request is refused (422 idempotency-key-reused).',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
            },
          ],
          requestBody: { required: true, content: json(ref('TriggerRun')) },
          responses: {
            '202': {
              description: 'Run accepted',
              content: json({ type: 'object', required: ['runId', 'traceId'], properties: { runId: { type: 'string' }, traceId: { type: 'string' } } }),
            },
            '400': error('Invalid definition path, body or Idempotency-Key header'),
            '413': error('Body too large'),
            '422': error('Idempotency-Key already used for a different request'),
            '503': error('Redis unavailable'),
          },
        },
      },
      '/runs/{id}': {
        get: {
          operationId: 'getRun',
          summary: 'One run with its stage timeline',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The run', content: json(ref('PipelineRun')) }, '404': error('No such run') },
        },
      },
      '/dead-letters': {
        get: {
          operationId: 'listDeadLetters',
          summary: 'Jobs that exhausted their attempts or failed terminally',
          parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } }],
          responses: {
            '200': {
              description: 'Dead letters',
              content: json({ type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: ref('DeadLetter') } } }),
            },
          },
        },
      },
      '/dead-letters/{id}/replay': {
        post: {
          operationId: 'replayDeadLetter',
          summary: 'Put a dead-lettered job back on its queue with its original ids',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'Replayed',
              content: json({ type: 'object', required: ['queue', 'jobId', 'jobName'], properties: { queue: { type: 'string' }, jobId: { type: 'string' }, jobName: { type: 'string' } } }),
            },
            '404': error('No such entry'),
            '409': error('The job id is in use on its queue'),
            '400': error('The payload is still invalid'),
          },
        },
      },
      '/events/upstream': {
        post: {
          operationId: 'postUpstreamEvent',
          summary: 'Record an upstream event (a new version at a source) and plan it: affected definitions, one PatchRequest per image stream, a run per definition',
          requestBody: { required: true, content: json(ref('UpstreamEvent')) },
          responses: {
            '202': {
              description: 'Accepted (duplicate: the event id was seen before; it is planned once)',
              content: json({ type: 'object', required: ['eventId', 'jobId', 'duplicate'], properties: { eventId: { type: 'string' }, jobId: { type: 'string' }, duplicate: { type: 'boolean' } } }),
            },
            '400': error('Invalid event'),
            '503': error('Redis unavailable'),
          },
        },
      },
      '/events/advisory': {
        post: {
          operationId: 'postAdvisory',
          summary:
            'Record an OSV advisory: its document is stored for the scan stage (the newest modified wins), and each fixed Debian or Alpine package version is planned as an upstream event with the advisory severity',
          requestBody: { required: true, content: json({ type: 'object', description: 'An OSV 1.x advisory (id, modified, affected[])' }) },
          responses: {
            '202': {
              description: 'Accepted (stored: false when a document of the advisory as new or newer by modified was already stored)',
              content: json({
                type: 'object',
                required: ['advisory', 'stored', 'events', 'unpatchable'],
                properties: {
                  advisory: { type: 'string' },
                  stored: { type: 'boolean' },
                  events: { type: 'array', items: { type: 'object', properties: { eventId: { type: 'string' }, duplicate: { type: 'boolean' } } } },
                  unpatchable: { type: 'array', items: { type: 'object', properties: { package: { type: 'string' }, reason: { type: 'string' } } } },
                },
              }),
            },
            '400': error('Invalid advisory (nothing stored)'),
            '413': error('Advisory document too large to store (nothing stored)'),
            '409': error('The stored document of the advisory comes from a configured feed; only a caller with the admin scope may replace it (advisory-owned-by-feed; nothing stored, no events)'),
            '503': error('Redis unavailable'),
          },
        },
      },
      '/webhooks/github': {
        post: {
          operationId: 'githubWebhook',
          summary: 'Inbound GitHub webhook (pull_request closed and merged: the runs on its branch are promoted)',
          parameters: [
            { name: 'X-Hub-Signature-256', in: 'header', required: true, schema: { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' } },
            { name: 'X-GitHub-Delivery', in: 'header', required: true, schema: { type: 'string' } },
            { name: 'X-GitHub-Event', in: 'header', required: true, schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: json({ type: 'object' }) },
          responses: {
            '202': {
              description: 'Accepted (promotion-enqueued, ignored or duplicate)',
              content: json({
                type: 'object',
                required: ['delivery', 'outcome', 'runs'],
                properties: {
                  delivery: { type: 'string' },
                  outcome: { type: 'string', enum: ['promotion-enqueued', 'ignored', 'duplicate'] },
                  runs: { type: 'array', items: { type: 'object', properties: { runId: { type: 'string' }, result: { type: 'string' } } } },
                },
              }),
            },
            '400': error('Malformed delivery'),
            '401': error('Missing or wrong signature'),
            '503': error('Webhooks not configured (PF_GITHUB_WEBHOOK_SECRET)'),
          },
        },
      },
      '/health/live': { get: { operationId: 'live', summary: 'Liveness', responses: { '200': { description: 'Alive' }, '503': { description: 'Stalled' } } } },
      '/health/ready': { get: { operationId: 'ready', summary: 'Readiness', responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } } } },
      '/metrics': { get: { operationId: 'metrics', summary: 'Prometheus metrics', responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/openapi.json': { get: { operationId: 'openApiDocument', summary: 'This document', responses: { '200': { description: 'The OpenAPI document', content: json({ type: 'object' }) } } } },
      ...accessPaths(),
    }),
    // Every operation needs a bearer token unless its `security` is empty (health, signed webhooks).
    security: [{ bearerToken: [] }],
    components: {
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'pf_<id>_<secret>',
          description: `An API token (POST /tokens; the first admin token is printed once at first start). Each operation's x-required-scope names the scope it needs; roles bundle scopes: ${Object.entries(ROLES)
            .map(([role, scopes]) => `${role} = ${scopes.join(' + ')}`)
            .join('; ')}.`,
        },
      },
      schemas: {
        PipelineRun: schema(PublicPipelineRunSchema),
        TriggerRun: schema(TriggerRunBodySchema),
        DeadLetter: schema(DeadLetterPayloadSchema.extend({ id: z.string() })),
        Error: schema(ErrorBodySchema),
        UpstreamEvent: schema(PostUpstreamEventSchema),
        CreateToken: schema(CreateTokenBodySchema),
      },
    },
  };
}

/** The scope each operation needs (the routes' @RequireScope), or `public`. */
export const OPERATION_ACCESS: Readonly<Record<string, Scope | 'public'>> = {
  listRuns: 'read',
  getRun: 'read',
  triggerRun: 'trigger',
  listDeadLetters: 'read',
  replayDeadLetter: 'replay',
  postUpstreamEvent: 'events',
  postAdvisory: 'events',
  githubWebhook: 'public',
  live: 'public',
  ready: 'public',
  metrics: 'read',
  openApiDocument: 'read',
  createToken: 'admin',
  listTokens: 'admin',
  revokeToken: 'admin',
  listAudit: 'admin',
};

type Operation = { operationId: string; responses: Record<string, unknown>; requestBody?: unknown } & Record<string, unknown>;

/**
 * Declares on every operation what the HTTP layer answers besides its own responses: its
 * scope and security (401 without a valid token, 403 without the scope, 429 over the token's
 * rate), 421 for a Host that is not allowed, and for writes 403 cross-site and 415 form bodies.
 */
function withAccess(paths: Record<string, Record<string, Operation>>): Record<string, Record<string, Operation>> {
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      const access = OPERATION_ACCESS[op.operationId];
      if (!access) throw new Error(`openapi: ${method.toUpperCase()} ${path} (${op.operationId}) has no entry in OPERATION_ACCESS`);
      const extra: Record<string, unknown> = { '421': error('Host header not among the allowed host names (PF_HTTP_ALLOWED_HOSTS)') };
      if (method !== 'get') {
        extra['403'] = error(access === 'public' ? 'Cross-site request (Origin or Sec-Fetch-Site)' : `Cross-site request, or the token lacks scope ${access}`);
        if (op.requestBody) extra['415'] = error('Body not application/json');
      }
      if (access === 'public') {
        op['security'] = [];
      } else {
        op['x-required-scope'] = access;
        op.description = [op.description, `Needs a token with scope \`${access}\`.`].filter(Boolean).join(' ');
        extra['401'] = error('No bearer token, or one that is unknown, revoked or malformed');
        extra['403'] ??= error(`The token lacks scope ${access}`);
        extra['429'] = error('The token made more requests this minute than PF_API_RATE_LIMIT_PER_MINUTE (Retry-After says when to retry)');
      }
      op.responses = { ...op.responses, ...extra };
    }
  }
  return paths;
}

function accessPaths(): Record<string, Record<string, Operation>> {
  const tokenInfo = {
    type: 'object',
    required: ['id', 'name', 'scopes', 'createdAt', 'createdBy'],
    properties: { id: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'array', items: { type: 'string' } }, createdAt: { type: 'integer' }, createdBy: { type: 'string' } },
  };
  const auditEntry = {
    type: 'object',
    required: ['id', 'at', 'actor', 'method', 'path', 'status', 'outcome'],
    properties: {
      id: { type: 'string' },
      at: { type: 'integer' },
      actor: { type: 'string', description: 'token id, anonymous or github-webhook' },
      actorName: { type: 'string' },
      method: { type: 'string' },
      path: { type: 'string' },
      status: { type: 'integer' },
      outcome: { type: 'string', enum: ['ok', 'refused', 'failed'] },
      requestId: { type: 'string' },
      remote: { type: 'string' },
    },
  };
  return {
    '/tokens': {
      post: {
        operationId: 'createToken',
        summary: 'Make an API token with a role or scopes; its secret is answered once',
        requestBody: { required: true, content: json(ref('CreateToken')) },
        responses: { '201': { description: 'Created', content: json({ ...tokenInfo, required: [...tokenInfo.required, 'token'], properties: { ...tokenInfo.properties, token: { type: 'string' } } }) }, '400': error('Invalid body') },
      },
      get: {
        operationId: 'listTokens',
        summary: 'The tokens (never their secrets)',
        responses: { '200': { description: 'Tokens', content: json({ type: 'object', required: ['tokens'], properties: { tokens: { type: 'array', items: tokenInfo } } }) } },
      },
    },
    '/tokens/{id}': {
      delete: {
        operationId: 'revokeToken',
        summary: 'Revoke a token at once',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{16}$' } }],
        responses: { '204': { description: 'Revoked' }, '400': error('Invalid id'), '404': error('No such token') },
      },
    },
    '/audit': {
      get: {
        operationId: 'listAudit',
        summary: 'The audit log: every write request and every refused request (who, what, when, outcome), newest first',
        parameters: [
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          { name: 'actor', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'Entries', content: json({ type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: auditEntry } } }) }, '400': error('Invalid query') },
      },
    },
  };
}
