import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApiErrorFilter } from './api-error.filter';
import { DeadLettersController } from './dead-letters.controller';
import { EventsController } from './events.controller';
import { GithubWebhookController } from './github/github-webhook.controller';
import { OpenApiController } from './openapi.controller';
import { RunsController } from './runs.controller';

/** The operator REST API (runs, dead letters, OpenAPI document) and inbound GitHub webhooks. */
@Module({
  controllers: [RunsController, DeadLettersController, EventsController, OpenApiController, GithubWebhookController],
  // Every error of the app (body parsing included) answers `{ error: { code, message } }`.
  providers: [{ provide: APP_FILTER, useClass: ApiErrorFilter }],
})
export class ApiModule {}
