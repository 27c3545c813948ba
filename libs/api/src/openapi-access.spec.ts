import 'reflect-metadata';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod, type Type } from '@nestjs/common';
import { HealthController } from '@patch-factory/queue';
import { PUBLIC_ROUTE, PUBLIC_WHEN, REQUIRED_SCOPE } from '@patch-factory/store';
import { ApiModule } from './api.module';
import { API_OPERATION } from './api-route.decorator';
import { API_ROUTES } from './api.routes';
import { OPERATION_ACCESS, openApiDocument } from './openapi.document';

/** Every route the API process serves: its controllers and the health controller every service has. */
function routes(): {
  method: string;
  path: string;
  access: string;
  publicWhen: string | undefined;
  controller: Type;
  operation: string | undefined;
}[] {
  const controllers = [...(Reflect.getMetadata('controllers', ApiModule) as Type[]), HealthController];
  return controllers.flatMap((controller) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    return Object.getOwnPropertyNames(controller.prototype)
      .filter((name) => name !== 'constructor')
      .map((name) => (controller.prototype as Record<string, object>)[name] as object)
      .filter((handler) => Reflect.getMetadata(METHOD_METADATA, handler) !== undefined)
      .map((handler) => {
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const path = (
          '/' +
          [base, sub]
            .flatMap((p) => p.split('/'))
            .filter(Boolean)
            .join('/')
        ).replace(/:([a-zA-Z]+)/g, '{$1}');
        const isPublic = (Reflect.getMetadata(PUBLIC_ROUTE, handler) ??
          Reflect.getMetadata(PUBLIC_ROUTE, controller)) as boolean | undefined;
        const scope = (Reflect.getMetadata(REQUIRED_SCOPE, handler) ??
          Reflect.getMetadata(REQUIRED_SCOPE, controller)) as string | undefined;
        const operation = Reflect.getMetadata(API_OPERATION, handler) as string | undefined;
        return {
          method: RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!.toLowerCase(),
          path,
          access: isPublic ? 'public' : (scope ?? 'admin (default)'),
          publicWhen: Reflect.getMetadata(PUBLIC_WHEN, handler) as string | undefined,
          controller,
          operation,
        };
      });
  });
}

describe('the OpenAPI document and the routes agree on access', () => {
  const doc = openApiDocument('test') as {
    paths: Record<
      string,
      Record<
        string,
        { operationId: string; security?: unknown[]; 'x-required-scope'?: string; 'x-public-when'?: string }
      >
    >;
  };

  it('documents every route the API serves, with the scope its guard metadata requires', () => {
    const served = routes();
    expect(served.length).toBeGreaterThanOrEqual(16);
    for (const r of served) {
      const op = doc.paths[r.path]?.[r.method];
      expect({ route: `${r.method} ${r.path}`, documented: !!op }).toEqual({
        route: `${r.method} ${r.path}`,
        documented: true,
      });
      const declared = op?.security?.length === 0 ? 'public' : op?.['x-required-scope'];
      expect({ route: `${r.method} ${r.path}`, access: r.access }).toEqual({
        route: `${r.method} ${r.path}`,
        access: declared,
      });
      expect(OPERATION_ACCESS[op!.operationId]).toBe(declared);
      // A route the operator may open with a setting (feeds) is documented with that setting, and only it.
      expect({ route: `${r.method} ${r.path}`, publicWhen: r.publicWhen }).toEqual({
        route: `${r.method} ${r.path}`,
        publicWhen: op?.['x-public-when'],
      });
    }
    expect(served.filter((r) => r.publicWhen).map((r) => `${r.method} ${r.path}`)).toEqual(['get /feeds/images.atom']);
    // And nothing is documented that is not served.
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m} ${path}`),
    );
    expect(documented.sort()).toEqual(served.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('maps every handler of the operator API from its declaration in API_ROUTES (the one the document is generated from)', () => {
    const api = routes().filter((r) => r.controller !== HealthController);
    expect(api.map((r) => r.operation).sort()).toEqual(Object.keys(API_ROUTES).sort());
    for (const r of api) {
      const route = API_ROUTES[r.operation as keyof typeof API_ROUTES];
      expect({ operation: r.operation, method: r.method, path: r.path, access: r.access }).toEqual({
        operation: route.operationId,
        method: route.method,
        path: route.path,
        access: route.access,
      });
      expect(doc.paths[r.path]?.[r.method]?.operationId).toBe(r.operation);
    }
  });
});
