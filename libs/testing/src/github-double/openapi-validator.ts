import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { DescribedOperation, JsonSchema } from './openapi-description';
import { responseSchema } from './openapi-description';

function makeAjv(coerceTypes: boolean): Ajv {
  // strict: false: the description carries OpenAPI keywords (nullable is understood by Ajv,
  // example / x-github… are annotations). Every format it uses is checked or declared.
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes, logger: false });
  addFormats(ajv);
  ajv.addFormat('repo.nwo', /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/);
  for (const f of ['int32', 'int64', 'double', 'timestamp', 'binary']) ajv.addFormat(f, true);
  return ajv;
}

const bodies = makeAjv(false);
const params = makeAjv(true);
const cache = new Map<string, ValidateFunction>();

function compiled(key: string, ajv: Ajv, schema: JsonSchema): ValidateFunction {
  let fn = cache.get(key);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(key, fn);
  }
  return fn;
}

function describe(errors: ErrorObject[] | null | undefined, where: string): string[] {
  return (errors ?? [])
    .slice(0, 20)
    .map(
      (e) =>
        `${where}${e.instancePath || ''} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    );
}

/**
 * Check a request against its operation: path and query parameters (types, enums, required,
 * no unknown query parameters), and the JSON body (schema, required, and no top-level
 * property the schema does not name). Returns the violations (empty: valid).
 */
export function validateRequest(
  op: DescribedOperation,
  query: URLSearchParams,
  body: unknown,
  hasBody: boolean,
): string[] {
  const violations: string[] = [];
  const declared = op.operation.parameters ?? [];
  for (const where of ['path', 'query'] as const) {
    const ps = declared.filter((p) => p.in === where);
    const values: Record<string, string> = {};
    if (where === 'path') Object.assign(values, op.pathParams);
    else for (const [k, v] of query) values[k] = v;
    for (const k of Object.keys(values)) {
      if (!ps.some((p) => p.name === k))
        violations.push(`${where} parameter "${k}" is not in the description of ${op.operationId}`);
    }
    const schema = {
      type: 'object',
      properties: Object.fromEntries(ps.map((p) => [p.name, p.schema ?? {}])),
      required: ps.filter((p) => p.required).map((p) => p.name),
    };
    const fn = compiled(`${op.operationId} ${where}`, params, schema);
    if (!fn({ ...values })) violations.push(...describe(fn.errors, `${where} parameters`));
  }
  const rb = op.operation.requestBody;
  const schema = rb?.content?.['application/json']?.schema;
  if (!hasBody) {
    if (rb?.required) violations.push(`${op.operationId} requires a JSON body`);
    return violations;
  }
  if (!schema) {
    violations.push(`${op.operationId} takes no JSON body`);
    return violations;
  }
  const fn = compiled(`${op.operationId} body`, bodies, schema);
  if (!fn(body)) violations.push(...describe(fn.errors, 'body'));
  const props = schema['properties'] as Record<string, unknown> | undefined;
  if (props && typeof body === 'object' && body !== null && !Array.isArray(body)) {
    for (const k of Object.keys(body))
      if (!(k in props)) violations.push(`body property "${k}" is not in the description of ${op.operationId}`);
  }
  return violations;
}

/**
 * Check a response: the status must be documented for the operation (unless `anyStatus`:
 * GitHub may answer 401/404/429/5xx on any path; then a basic-error body is required) and the
 * JSON body must match the documented schema; a documented answer without content has no body.
 */
export function validateResponse(op: DescribedOperation, status: number, body: unknown, anyStatus: boolean): string[] {
  const documented = op.operation.responses[String(status)];
  let schema = documented?.content?.['application/json']?.schema;
  const violations: string[] = [];
  if (!documented) {
    if (!anyStatus) violations.push(`status ${status} is not documented for ${op.operationId}`);
    schema = responseSchema('get', '/repos/{owner}/{repo}/pulls/{pull_number}', '404');
  }
  if (!schema) {
    if (body !== undefined) violations.push(`${op.operationId} ${status} is documented without a body`);
    return violations;
  }
  const fn = compiled(`${op.operationId} ${documented ? status : 'fallback'} response`, bodies, schema);
  if (!fn(body)) violations.push(...describe(fn.errors, `response ${status}`));
  return violations;
}
