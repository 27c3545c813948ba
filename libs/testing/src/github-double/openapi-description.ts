import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repo-root';

/** A JSON schema node of GitHub's (dereferenced) description. */
export type JsonSchema = Record<string, unknown>;

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: JsonSchema;
}

interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}

/** One operation of api.github.com, found by method + path template. */
export interface DescribedOperation {
  operationId: string;
  method: string;
  template: string;
  operation: Operation;
  /** Path parameters of the matched request, decoded. */
  pathParams: Record<string, string>;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  literals: number;
  operation: Operation;
}

/** The file the double validates against: GitHub's official description from @octokit/openapi. */
export function openApiDescriptionPath(): string {
  return join(repoRoot(), 'node_modules', '@octokit', 'openapi', 'generated', 'api.github.com.deref.json');
}

let routes: Route[] | undefined;
let description: { paths: Record<string, Record<string, Operation>> } | undefined;

/** The parsed description (read once per process, ~0.5 s). */
export function openApiDescription(): { paths: Record<string, Record<string, Operation>> } {
  if (!description) {
    const parsed = JSON.parse(readFileSync(openApiDescriptionPath(), 'utf8')) as {
      paths: Record<string, Record<string, Operation>>;
    };
    allowNullInNullableEnums(parsed);
    description = parsed;
  }
  return description;
}

/**
 * OpenAPI 3.0.3: `nullable: true` admits null even when `enum` does not list it (a running
 * check run's `conclusion` is null). JSON Schema validators read `enum` strictly, so null is
 * added to such enums, and to the alternatives of a nullable oneOf/anyOf, in place (the parsed
 * JSON is a tree: no shared nodes, no cycles).
 */
function allowNullInNullableEnums(node: unknown, depth = 0): void {
  if (typeof node !== 'object' || node === null || depth > 200) return;
  if (Array.isArray(node)) {
    for (const item of node) allowNullInNullableEnums(item, depth + 1);
    return;
  }
  const record = node as Record<string, unknown>;
  const values = record['enum'];
  if (record['nullable'] === true && Array.isArray(values) && !values.includes(null))
    record['enum'] = [...(values as unknown[]), null];
  // `nullable` beside oneOf/anyOf without a `type` (a commit's author: a user, {} or null):
  // Ajv refuses `nullable` without `type`, so null becomes one more alternative.
  for (const key of ['oneOf', 'anyOf'] as const) {
    const alternatives = record[key];
    if (record['nullable'] === true && record['type'] === undefined && Array.isArray(alternatives)) {
      record[key] = [...(alternatives as unknown[]), { type: 'null' }];
      delete record['nullable'];
    }
  }
  for (const value of Object.values(record)) allowNullInNullableEnums(value, depth + 1);
}

function allRoutes(): Route[] {
  if (routes) return routes;
  const list: Route[] = [];
  for (const [template, item] of Object.entries(openApiDescription().paths)) {
    const names: string[] = [];
    const segments = template.split('/');
    const pattern = segments
      .map((s) => {
        const m = /^\{([^}]+)\}$/.exec(s);
        if (m?.[1]) {
          names.push(m[1]);
          return '([^/]+)';
        }
        return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const operation = item[method];
      if (!operation) continue;
      list.push({
        method,
        template,
        pattern: new RegExp(`^${pattern}$`),
        names,
        literals: segments.filter((s) => !s.startsWith('{')).length,
        operation,
      });
    }
  }
  routes = list.sort((a, b) => b.literals - a.literals);
  return routes;
}

/** The operation for `method` + `pathname` (the most literal template wins), or undefined. */
export function findOperation(method: string, pathname: string): DescribedOperation | undefined {
  const m = method.toLowerCase();
  for (const route of allRoutes()) {
    if (route.method !== m) continue;
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const pathParams: Record<string, string> = {};
    route.names.forEach((name, i) => {
      pathParams[name] = decodeURIComponent(match[i + 1] ?? '');
    });
    return {
      operationId: route.operation.operationId,
      method: m,
      template: route.template,
      operation: route.operation,
      pathParams,
    };
  }
  return undefined;
}

/** A schema of the description by where it is used (for fallbacks such as basic-error). */
export function responseSchema(method: string, template: string, status: string): JsonSchema | undefined {
  return openApiDescription().paths[template]?.[method]?.responses[status]?.content?.['application/json']?.schema;
}
