import { Module } from '@nestjs/common';
import { DeadLettersController } from './dead-letters.controller';
import { OpenApiController } from './openapi.controller';
import { RunsController } from './runs.controller';

/** The operator REST API (runs, dead letters, OpenAPI document). */
@Module({ controllers: [RunsController, DeadLettersController, OpenApiController] })
export class ApiModule {}
