import { Controller } from '@nestjs/common';
import { ApiRoute } from './api-route.decorator';
import { API_ROUTES } from './api.routes';
import { openApiDocument } from './openapi.document';

const VERSION = '0.1.0';

/** Serves the OpenAPI document of the operator API. */
@Controller()
export class OpenApiController {
  private readonly doc = openApiDocument(VERSION);

  @ApiRoute(API_ROUTES.openApiDocument)
  document(): Record<string, unknown> {
    return this.doc;
  }
}
