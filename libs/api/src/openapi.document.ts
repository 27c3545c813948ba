import { z } from 'zod';
import { DeadLetterPayloadSchema, RUN_STATES } from '@patch-factory/contracts';
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
    paths: {
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
    },
    components: {
      schemas: {
        PipelineRun: schema(PublicPipelineRunSchema),
        TriggerRun: schema(TriggerRunBodySchema),
        DeadLetter: schema(DeadLetterPayloadSchema.extend({ id: z.string() })),
        Error: schema(ErrorBodySchema),
        UpstreamEvent: schema(PostUpstreamEventSchema),
      },
    },
  };
}
