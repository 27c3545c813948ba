import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { eventJsonSchemas } from '@patch-factory/contracts';
import { ROLES } from '@patch-factory/store';
import { API_ROUTES, SERVICE_ROUTES, type RouteAccess, type RouteAnswer, type RouteSpec } from './api.routes';
import { ErrorBodySchema } from './api.schemas';

/** Every route the API process serves: the operator API's and those of every service. */
export const DOCUMENTED_ROUTES: readonly RouteSpec[] = [...Object.values(API_ROUTES), ...SERVICE_ROUTES];

/** The scope each operation needs (its route's access), or `public`. */
export const OPERATION_ACCESS: Readonly<Record<string, RouteAccess>> = Object.fromEntries(
  DOCUMENTED_ROUTES.map((r) => [r.operationId, r.access]),
);

/**
 * The OpenAPI 3.1 description of the operator API, generated (zod-to-openapi) from the route
 * declarations (API_ROUTES) and the zod schemas the handlers validate and answer with.
 */
export function openApiDocument(version: string): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'pf_<id>_<secret>',
    description: `An API token (POST /tokens; the first admin token is printed once at first start). Each operation's x-required-scope names the scope it needs; roles bundle scopes: ${Object.entries(
      ROLES,
    )
      .map(([role, scopes]) => `${role} = ${scopes.join(' + ')}`)
      .join('; ')}.`,
  });
  for (const route of DOCUMENTED_ROUTES) registry.registerPath(routeConfig(route));
  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'patch-factory operator API',
      version,
      description:
        'Pipeline runs, the dead-letter queue, upstream events and advisories, API tokens and the audit log of a patch-factory installation, its inbound GitHub webhook, the outbound webhooks (subscriptions, the delivery log, replays; the events themselves under `webhooks`) and Atom feeds of image updates.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    // Every operation needs a bearer token unless its `security` is empty (health, signed webhooks).
    security: [{ bearerToken: [] }],
  }) as unknown as Record<string, unknown>;
  return { ...doc, webhooks: eventWebhooks() };
}

/**
 * The events the factory delivers to subscriptions, as OpenAPI 3.1 webhooks: one per event type
 * (its CloudEvents `type`), a POST whose body is the event's versioned JSON Schema (libs/contracts
 * eventJsonSchemas: the CloudEvents 1.0 envelope with the type, the `dataschema` URI and the
 * data's schema), with the Standard Webhooks headers and what each answer makes the factory do.
 */
function eventWebhooks(): Record<string, unknown> {
  const header = (name: string, description: string) => ({
    name,
    in: 'header',
    required: true,
    description,
    schema: { type: 'string' },
  });
  return Object.fromEntries(
    eventJsonSchemas().map((e) => [
      e.type,
      {
        post: {
          operationId: `event:${e.name}`,
          summary: `The ${e.name} event (data schema ${e.dataschema})`,
          description:
            'Delivered to every enabled subscription whose filters match, signed per Standard Webhooks; retried with backoff for at least 27 hours (at least 8 attempts); redirects are not followed.',
          parameters: [
            header('webhook-id', 'The message id: the same on every retry and replay (deduplicate on it)'),
            header('webhook-timestamp', 'Unix seconds when this attempt was signed'),
            header(
              'webhook-signature',
              'Space-separated v1,<base64 HMAC-SHA256> signatures: two while a rotated secret overlaps',
            ),
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: e.envelope } },
          },
          responses: {
            '2XX': { description: 'Delivered' },
            '410': { description: 'Gone: the factory disables the subscription' },
            '429': { description: 'Throttled: retried after Retry-After' },
            '503': { description: 'Unavailable: retried after Retry-After' },
            default: { description: 'Failed (3xx included): retried with backoff' },
          },
        },
      },
    ]),
  );
}

const answer = (a: RouteAnswer): ResponseConfig => ({
  description: a.description,
  ...(a.body ? { content: { [a.mediaType ?? 'application/json']: { schema: a.body } } } : {}),
});
const error = (description: string): RouteAnswer => ({ description, body: ErrorBodySchema });

/**
 * A route as zod-to-openapi takes it, with what the HTTP layer answers besides the route's own
 * responses: its scope and security (401 without a valid token, 403 without the scope, 429 over
 * the token's rate), 421 for a Host that is not allowed, for writes 403 cross-site and 415 form
 * bodies, and 503 when the factory could not complete the request (ApiErrorFilter).
 */
function routeConfig(route: RouteSpec): RouteConfig {
  const { access } = route;
  const extra: Record<number, RouteAnswer> = {
    421: error('Host header not among the allowed host names (PF_HTTP_ALLOWED_HOSTS)'),
    503: error(
      'The factory could not complete the request (the answer names the request id under which the cause is logged)',
    ),
  };
  if (route.method !== 'get') {
    extra[403] = error(
      access === 'public'
        ? 'Cross-site request (Origin or Sec-Fetch-Site)'
        : `Cross-site request, or the token lacks scope ${access}`,
    );
    if (route.request?.body) extra[415] = error('Body not application/json');
  }
  if (access !== 'public') {
    extra[401] = error('No bearer token, or one that is unknown, revoked or malformed');
    extra[403] ??= error(`The token lacks scope ${access}`);
    extra[429] = error(
      'The token made more requests this minute than PF_API_RATE_LIMIT_PER_MINUTE (Retry-After says when to retry)',
    );
  }
  const answers = { ...extra, ...route.responses };
  const { body, ...request } = route.request ?? {};
  return {
    method: route.method,
    path: route.path,
    operationId: route.operationId,
    summary: route.summary,
    ...(access === 'public'
      ? { security: [], ...(route.description ? { description: route.description } : {}) }
      : route.publicWhen
        ? {
            // A token, or none when the operator turned the setting on.
            security: [{ bearerToken: [] }, {}],
            'x-required-scope': access,
            'x-public-when': route.publicWhen,
            description: [route.description, `Needs a token with scope \`${access}\` unless ${route.publicWhen}=true.`]
              .filter(Boolean)
              .join(' '),
          }
        : {
            'x-required-scope': access,
            description: [route.description, `Needs a token with scope \`${access}\`.`].filter(Boolean).join(' '),
          }),
    request: {
      ...request,
      ...(body ? { body: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    },
    responses: Object.fromEntries(
      Object.entries(answers)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([status, a]) => [status, answer(a)]),
    ),
  };
}
