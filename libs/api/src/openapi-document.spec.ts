import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { EVENT_NAMES, eventType, subscriptionDisabledEvent } from '@patch-factory/contracts';
import { SCOPES } from '@patch-factory/store';
import { API_ROUTES, SERVICE_ROUTES } from './api.routes';
import { OPERATION_ACCESS, openApiDocument } from './openapi.document';
import { imageEvents } from './webhooks/webhook-events.fixture';

// The generated document is a valid OpenAPI 3.1 document by the official schema, checked by
// @seriousme/openapi-schema-validator (ESM only: run by node itself, outside jest's module system),
// and describes every operation the hand-written document did, with the same access.

type Operation = {
  operationId: string;
  security?: unknown[];
  'x-required-scope'?: string;
  parameters?: { name: string; in: string }[];
  responses: Record<string, unknown>;
};
type Doc = {
  openapi: string;
  webhooks: Record<
    string,
    { post: { requestBody: { content: Record<string, { schema: object }> }; parameters: { name: string }[] } }
  >;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

const VALIDATE = `
import { Validator } from '@seriousme/openapi-schema-validator';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const validator = new Validator();
const result = await validator.validate(JSON.parse(input));
process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? [] }));
`;

/** The validator's verdict on a document. */
async function validateOpenApi(doc: unknown): Promise<{ valid: boolean; version: string; errors: unknown[] }> {
  const child = promisify(execFile)(process.execPath, ['--input-type=module', '-e', VALIDATE], {
    cwd: join(__dirname, '..', '..', '..'),
    timeout: 30_000,
  });
  child.child.stdin?.end(JSON.stringify(doc));
  return JSON.parse((await child).stdout) as { valid: boolean; version: string; errors: unknown[] };
}

const doc = openApiDocument('test') as unknown as Doc;
const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );

describe('the generated OpenAPI document', () => {
  it('is valid OpenAPI 3.1 by the official schema', async () => {
    const verdict = await validateOpenApi(doc);
    expect(verdict).toEqual({ valid: true, version: '3.1', errors: [] });
  });

  it('is refused by the same check when broken (an answer without its description, a parameter in no place OpenAPI knows)', async () => {
    const broken = JSON.parse(JSON.stringify(doc)) as Doc;
    broken.paths['/runs']!['get']!.responses['200'] = {};
    expect((await validateOpenApi(broken)).valid).toBe(false);
    const misplaced = JSON.parse(JSON.stringify(doc)) as Doc;
    misplaced.paths['/runs/{id}']!['get']!.parameters![0]!.in = 'body';
    expect((await validateOpenApi(misplaced)).valid).toBe(false);
  });

  it('describes every operation the hand-written document did, under the same ids', () => {
    const ids = operations().map(({ method, path, op }) => `${op.operationId}: ${method} ${path}`);
    expect(ids.sort()).toEqual(
      [
        'listRuns: get /runs',
        'triggerRun: post /runs',
        'getRun: get /runs/{id}',
        'listDeadLetters: get /dead-letters',
        'replayDeadLetter: post /dead-letters/{id}/replay',
        'postUpstreamEvent: post /events/upstream',
        'postAdvisory: post /events/advisory',
        'githubWebhook: post /webhooks/github',
        'live: get /health/live',
        'ready: get /health/ready',
        'metrics: get /metrics',
        'openApiDocument: get /openapi.json',
        'createToken: post /tokens',
        'listTokens: get /tokens',
        'revokeToken: delete /tokens/{id}',
        'listAudit: get /audit',
        'createWebhookSubscription: post /webhooks/subscriptions',
        'listWebhookSubscriptions: get /webhooks/subscriptions',
        'getWebhookSubscription: get /webhooks/subscriptions/{id}',
        'updateWebhookSubscription: patch /webhooks/subscriptions/{id}',
        'deleteWebhookSubscription: delete /webhooks/subscriptions/{id}',
        'rotateWebhookSecret: post /webhooks/subscriptions/{id}/rotate',
        'replayWebhookSubscription: post /webhooks/subscriptions/{id}/replay',
        'listWebhookDeliveries: get /webhooks/deliveries',
        'getWebhookDelivery: get /webhooks/deliveries/{id}',
        'replayWebhookDelivery: post /webhooks/deliveries/{id}/replay',
        'imagesFeed: get /feeds/images.atom',
      ].sort(),
    );
    expect(Object.keys(OPERATION_ACCESS).sort()).toEqual(
      [...Object.keys(API_ROUTES), ...SERVICE_ROUTES.map((r) => r.operationId)].sort(),
    );
  });

  it('declares each operation’s access: public ones without security, the others with their scope and the HTTP layer’s refusals', () => {
    expect(doc.components.securitySchemes['bearerToken']).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const { method, op } of operations()) {
      const access = OPERATION_ACCESS[op.operationId];
      if (access === 'public') {
        expect({ op: op.operationId, security: op.security }).toEqual({ op: op.operationId, security: [] });
        continue;
      }
      expect({ op: op.operationId, scope: op['x-required-scope'] }).toEqual({ op: op.operationId, scope: access });
      expect(SCOPES).toContain(access);
      for (const status of ['401', '403', '421', '429'])
        expect({ op: op.operationId, status, declared: status in op.responses }).toEqual({
          op: op.operationId,
          status,
          declared: true,
        });
      if (method !== 'get') expect(op.responses['403']).toBeDefined();
    }
    expect(
      operations()
        .filter(({ op }) => op.security?.length === 0)
        .map(({ op }) => op.operationId)
        .sort(),
    ).toEqual(['githubWebhook', 'live', 'ready']);
  });

  it('lets the feed be read without a token only as an alternative the operator turns on (PF_FEEDS_PUBLIC)', () => {
    const feed = doc.paths['/feeds/images.atom']!['get']! as Operation & { 'x-public-when'?: string };
    expect(feed.security).toEqual([{ bearerToken: [] }, {}]);
    expect(feed['x-required-scope']).toBe('read');
    expect(feed['x-public-when']).toBe('PF_FEEDS_PUBLIC');
    expect(Object.keys((feed.responses['200'] as { content: object }).content)).toEqual(['application/atom+xml']);
  });

  it('publishes each event’s versioned JSON Schema as an OpenAPI webhook, and real events validate against it', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual(EVENT_NAMES.map(eventType).sort());
    // RFC 3339 times (format date-time) are checked too.
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    const envelope = (type: string) => doc.webhooks[type]!.post.requestBody.content['application/json']!.schema;
    for (const type of Object.keys(doc.webhooks))
      expect(doc.webhooks[type]!.post.parameters.map((p) => p.name)).toEqual([
        'webhook-id',
        'webhook-timestamp',
        'webhook-signature',
      ]);
    const [published, updated] = imageEvents('examples/redis', Date.UTC(2026, 11, 7));
    const disabled = subscriptionDisabledEvent(
      {
        subscription: 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9',
        host: 'hooks.example.org',
        reason: '410',
        since: '2026-12-07T00:00:00.000Z',
      },
      { source: 'urn:patch-factory:test' },
    );
    for (const event of [published!, updated!, disabled]) {
      const validate = ajv.compile(envelope(event.type));
      expect({
        type: event.type,
        valid: validate(JSON.parse(JSON.stringify(event))),
        errors: validate.errors ?? [],
      }).toEqual({
        type: event.type,
        valid: true,
        errors: [],
      });
    }
    // The schema is each type's own: an image.updated body is not an image.published one, and data is checked.
    expect(ajv.compile(envelope(published!.type))(JSON.parse(JSON.stringify(updated)))).toBe(false);
    const broken = JSON.parse(JSON.stringify(updated)) as { data: { tags: unknown } };
    broken.data.tags = 'latest';
    expect(ajv.compile(envelope(updated!.type))(broken)).toBe(false);
  });

  it('names every outcome the GitHub webhook answers, poll-enqueued included', () => {
    const answer = doc.components.schemas['WebhookAnswer'] as { properties: { outcome: { enum: string[] } } };
    expect(answer.properties.outcome.enum.sort()).toEqual([
      'duplicate',
      'ignored',
      'poll-enqueued',
      'promotion-enqueued',
    ]);
  });

  it('gives the run answers without the stages’ fencing tokens', () => {
    const stage = doc.components.schemas['StageRecord'] as {
      properties: Record<string, unknown>;
      additionalProperties: unknown;
    };
    expect(Object.keys(stage.properties)).not.toContain('token');
    expect(Object.keys(stage.properties)).not.toContain('completedToken');
    expect(stage.additionalProperties).toBe(false);
  });
});
