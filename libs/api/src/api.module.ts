import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CONFIG, type Env } from '@patch-factory/config';
import { WebhookStoreModule } from '@patch-factory/notifying';
import { loadWatchTargets } from '@patch-factory/sources';
import { WATCH_TARGETS } from '@patch-factory/watching';
import { AuditController } from './access/audit.controller';
import { BootstrapAdminToken } from './access/bootstrap-admin-token';
import { TokensController } from './access/tokens.controller';
import { ApiErrorFilter } from './api-error.filter';
import { DeadLettersController } from './dead-letters.controller';
import { EventsController } from './events.controller';
import { GithubWebhookController } from './github/github-webhook.controller';
import { OpenApiController } from './openapi.controller';
import { RunsController } from './runs.controller';
import { TriggerIdempotency } from './trigger-idempotency';
import { ImageFeedsController } from './webhooks/image-feeds.controller';
import { WebhookDeliveriesController } from './webhooks/webhook-deliveries.controller';
import { WebhookSubscriptionsController } from './webhooks/webhook-subscriptions.controller';

/**
 * The operator REST API (runs, dead letters, events, tokens, audit log, OpenAPI document, webhook
 * subscriptions, their delivery log and replays, feeds of image updates) and inbound GitHub webhooks.
 */
@Module({
  // The webhook system's state without its job handlers: the API is no notifier.
  imports: [WebhookStoreModule],
  controllers: [
    RunsController,
    DeadLettersController,
    EventsController,
    OpenApiController,
    GithubWebhookController,
    TokensController,
    AuditController,
    WebhookSubscriptionsController,
    WebhookDeliveriesController,
    ImageFeedsController,
  ],
  // Every error of the app (body parsing included) answers `{ error: { code, message } }`.
  providers: [
    { provide: APP_FILTER, useClass: ApiErrorFilter },
    // Idempotency-Key of POST /runs.
    TriggerIdempotency,
    // The first admin token of an installation.
    BootstrapAdminToken,
    // The watch list, for release webhooks that poll a repository's targets at once.
    { provide: WATCH_TARGETS, inject: [CONFIG], useFactory: (config: Env) => loadWatchTargets(config.PF_WATCH_CONFIG) },
  ],
})
export class ApiModule {}
