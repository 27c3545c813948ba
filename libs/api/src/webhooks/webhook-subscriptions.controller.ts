import { Body, Controller, Inject, Param, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import type { z } from 'zod';
import { TerminalError } from '@patch-factory/contracts';
import {
  DeliveryReplay,
  SubscriptionRepository,
  WEBHOOK_CLOCK,
  WebhookSettings,
  type WebhookClock,
} from '@patch-factory/notifying';
import {
  parseSubscriptionInput,
  parseSubscriptionUpdate,
  webhooksError,
  WebhooksErrorCode,
} from '@patch-factory/webhooks';
import { ApiErrorFilter } from '../api-error.filter';
import { ApiRoute } from '../api-route.decorator';
import { checkLiteralReceiver } from './literal-receiver-check';
import { API_ROUTES } from '../api.routes';
import { parseRequest } from '../parse-request';
import { publicDelivery, publicSubscription } from './public-webhook-views';
import { WebhookCaller } from './webhook-ownership';
import {
  ReplaySinceBodySchema,
  RotateSecretBodySchema,
  SubscriptionIdSchema,
  type DeliveryListSchema,
  type SubscriptionAnswerSchema,
  type SubscriptionListSchema,
  type SubscriptionWithSecretSchema,
} from './webhooks-api.schemas';

/**
 * Webhook subscriptions (issue 17): create (the secret answered once), list, get, update (and
 * enable again or pause), delete, rotate the secret, replay the deliveries since a time. Each
 * caller sees its own (webhook-ownership.ts); answers never hold a secret but on create and rotate.
 */
@Controller()
@UseFilters(ApiErrorFilter)
export class WebhookSubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly replays: DeliveryReplay,
    private readonly settings: WebhookSettings,
    @Inject(WEBHOOK_CLOCK) private readonly clock: WebhookClock,
  ) {}

  @ApiRoute(API_ROUTES.createWebhookSubscription)
  async create(@Body() body: unknown, @Req() req: Request): Promise<z.infer<typeof SubscriptionWithSecretSchema>> {
    const input = parseSubscriptionInput(body);
    await checkLiteralReceiver(input.url, this.settings.allowList);
    const now = this.clock.now();
    const made = await this.subscriptions.create(input, WebhookCaller.of(req).owner, now);
    return { subscription: publicSubscription(made.subscription, now), secret: made.secret };
  }

  @ApiRoute(API_ROUTES.listWebhookSubscriptions)
  async list(@Req() req: Request): Promise<z.infer<typeof SubscriptionListSchema>> {
    const caller = WebhookCaller.of(req);
    const now = this.clock.now();
    const all = await this.subscriptions.list(caller.isAdmin ? {} : { owner: caller.owner });
    return { subscriptions: all.map((s) => publicSubscription(s, now)) };
  }

  @ApiRoute(API_ROUTES.getWebhookSubscription)
  async get(@Param('id') id: string, @Req() req: Request): Promise<z.infer<typeof SubscriptionAnswerSchema>> {
    const found = await WebhookCaller.of(req).subscription(this.subscriptions, this.id(id));
    return { subscription: publicSubscription(found, this.clock.now()) };
  }

  @ApiRoute(API_ROUTES.updateWebhookSubscription)
  async update(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
  ): Promise<z.infer<typeof SubscriptionAnswerSchema>> {
    const subscriptionId = this.id(id);
    const { enabled, changes } = splitEnabled(body);
    const update = changes === undefined ? undefined : parseSubscriptionUpdate(changes);
    if (update?.url !== undefined) await checkLiteralReceiver(update.url, this.settings.allowList);
    const caller = WebhookCaller.of(req);
    let current = await caller.subscription(this.subscriptions, subscriptionId);
    if (update) current = await this.subscriptions.update(subscriptionId, update, this.clock.now());
    if (enabled === true && !current.enabled)
      current = await this.subscriptions.enable(subscriptionId, this.clock.now());
    if (enabled === false && current.enabled)
      // Paused by its owner: no `subscription.disabled` event (that one tells owners of endpoints the factory gave up on).
      current = (await this.subscriptions.disable(subscriptionId, `paused by ${caller.owner}`, this.clock.now()))
        .subscription;
    return { subscription: publicSubscription(current, this.clock.now()) };
  }

  @ApiRoute(API_ROUTES.deleteWebhookSubscription)
  async remove(@Param('id') id: string, @Req() req: Request): Promise<void> {
    const found = await WebhookCaller.of(req).subscription(this.subscriptions, this.id(id));
    await this.subscriptions.remove(found.id);
  }

  @ApiRoute(API_ROUTES.rotateWebhookSecret)
  async rotate(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
  ): Promise<z.infer<typeof SubscriptionWithSecretSchema>> {
    const subscriptionId = this.id(id);
    const { overlapSeconds } = parseRequest(RotateSecretBodySchema, body, 'body');
    await WebhookCaller.of(req).subscription(this.subscriptions, subscriptionId);
    const now = this.clock.now();
    const rotated = await this.subscriptions.rotate(
      subscriptionId,
      now,
      overlapSeconds === undefined ? undefined : overlapSeconds * 1000,
    );
    return { subscription: publicSubscription(rotated.subscription, now), secret: rotated.secret };
  }

  @ApiRoute(API_ROUTES.replayWebhookSubscription)
  async replay(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
  ): Promise<z.infer<typeof DeliveryListSchema>> {
    const subscriptionId = this.id(id);
    const since = Date.parse(parseRequest(ReplaySinceBodySchema, body, 'body').since);
    if (since > this.clock.now())
      throw new TerminalError('invalid-request', 'body: since: must be a time in the past (RFC 3339)');
    await WebhookCaller.of(req).subscription(this.subscriptions, subscriptionId);
    return { deliveries: (await this.replays.replaySince(subscriptionId, since)).map(publicDelivery) };
  }

  private id(id: string): string {
    return parseRequest(SubscriptionIdSchema, id, 'id');
  }
}

/** A PATCH body's `enabled` (true or false) apart from the subscription changes (undefined: none). */
function splitEnabled(body: unknown): { enabled?: boolean; changes?: Record<string, unknown> } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    parseSubscriptionUpdate(body); // throws, naming the body
    return {};
  }
  const { enabled, ...changes } = body as Record<string, unknown>;
  if (enabled !== undefined && typeof enabled !== 'boolean')
    throw webhooksError(WebhooksErrorCode.subscriptionInvalid, 'subscription', 'enabled: must be true or false');
  return {
    ...(enabled !== undefined ? { enabled } : {}),
    ...(Object.keys(changes).length > 0 ? { changes } : {}),
  };
}
