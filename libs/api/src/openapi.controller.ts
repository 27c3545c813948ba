import { Controller, Get } from '@nestjs/common';
import { RequireScope } from '@patch-factory/store';
import { openApiDocument } from './openapi.document';

const VERSION = '0.1.0';

/** Serves the OpenAPI document of the operator API. */
@Controller()
export class OpenApiController {
  private readonly doc = openApiDocument(VERSION);

  @Get('openapi.json')
  @RequireScope('read')
  document(): Record<string, unknown> {
    return this.doc;
  }
}
