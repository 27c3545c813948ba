import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SCOPES } from '@patch-factory/store';
import { API_ROUTES, SERVICE_ROUTES } from './api.routes';
import { OPERATION_ACCESS, openApiDocument } from './openapi.document';

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
