import { HttpCode, RequestMapping, RequestMethod, SetMetadata, applyDecorators } from '@nestjs/common';
import { PublicRoute, PublicWhen, RequireScope } from '@patch-factory/store';
import { successStatus, type RouteSpec } from './api.routes';

/** Metadata key of a handler's operation id (the route it was mapped from). */
export const API_OPERATION = 'patch-factory:api-operation';

const METHODS: Record<RouteSpec['method'], RequestMethod> = {
  get: RequestMethod.GET,
  post: RequestMethod.POST,
  patch: RequestMethod.PATCH,
  delete: RequestMethod.DELETE,
};

/**
 * Maps a handler from its declaration in API_ROUTES: method and path (`{id}` → `:id`), who may
 * call it (scope or public; a scope the operator may waive with a setting, `publicWhen`), and its
 * success status. The OpenAPI document is generated from the same declaration, so a handler
 * mapped this way is documented as it is served.
 */
export function ApiRoute(route: RouteSpec): MethodDecorator {
  return applyDecorators(
    RequestMapping({ method: METHODS[route.method], path: route.path.replace(/\{([A-Za-z]+)\}/g, ':$1') }),
    route.access === 'public' ? PublicRoute() : RequireScope(route.access),
    ...(route.publicWhen ? [PublicWhen(route.publicWhen)] : []),
    HttpCode(successStatus(route)),
    SetMetadata(API_OPERATION, route.operationId),
  );
}
