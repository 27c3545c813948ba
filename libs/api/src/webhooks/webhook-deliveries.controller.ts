import { Controller, Param, Query, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import type { z } from 'zod';
import {
  DeliveryReplay,
  DeliveryRepository,
  NotifyingErrorCode,
  notifyingError,
  SubscriptionRepository,
  type DeliveryRecord,
} from '@patch-factory/notifying';
import { ApiErrorFilter } from '../api-error.filter';
import { ApiRoute } from '../api-route.decorator';
import { API_ROUTES } from '../api.routes';
import { parseRequest } from '../parse-request';
import { publicAttempt, publicDelivery } from './public-webhook-views';
import { WebhookCaller } from './webhook-ownership';
import {
  DeliveryIdSchema,
  ListDeliveriesQuerySchema,
  type DeliveryAnswerSchema,
  type DeliveryDetailSchema,
  type DeliveryListSchema,
} from './webhooks-api.schemas';

const DEFAULT_LIMIT = 100;

/**
 * The webhook delivery log (issue 17): deliveries with their attempts, and replaying one. A
 * caller reads the deliveries of its own subscriptions (a token with `read` and the owning
 * name); a token with the `admin` scope, every one. A deleted subscription's deliveries stay in
 * the log for admin only (nothing tells whose they were).
 */
@Controller()
@UseFilters(ApiErrorFilter)
export class WebhookDeliveriesController {
  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly subscriptions: SubscriptionRepository,
    private readonly replays: DeliveryReplay,
  ) {}

  @ApiRoute(API_ROUTES.listWebhookDeliveries)
  async list(@Query() query: unknown, @Req() req: Request): Promise<z.infer<typeof DeliveryListSchema>> {
    const q = parseRequest(ListDeliveriesQuerySchema, query, 'query');
    const caller = WebhookCaller.of(req);
    const filter = {
      ...(q.state ? { state: q.state } : {}),
      ...(q.since ? { since: Date.parse(q.since) } : {}),
      limit: q.limit ?? DEFAULT_LIMIT,
    };
    let found: DeliveryRecord[];
    if (q.subscription) {
      await caller.subscription(this.subscriptions, q.subscription);
      found = await this.deliveries.list({ ...filter, subscriptionId: q.subscription });
    } else if (caller.isAdmin) {
      found = await this.deliveries.list(filter);
    } else {
      // The newest of each own subscription's, merged newest first.
      const own = await this.subscriptions.list({ owner: caller.owner });
      const each = await Promise.all(own.map((s) => this.deliveries.list({ ...filter, subscriptionId: s.id })));
      found = each
        .flat()
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
        .slice(0, filter.limit);
    }
    return { deliveries: found.map(publicDelivery) };
  }

  @ApiRoute(API_ROUTES.getWebhookDelivery)
  async get(@Param('id') id: string, @Req() req: Request): Promise<z.infer<typeof DeliveryDetailSchema>> {
    const delivery = await this.visible(id, WebhookCaller.of(req));
    const attempts = await this.deliveries.attempts(delivery.id);
    return { delivery: publicDelivery(delivery), attempts: attempts.map(publicAttempt) };
  }

  @ApiRoute(API_ROUTES.replayWebhookDelivery)
  async replay(@Param('id') id: string, @Req() req: Request): Promise<z.infer<typeof DeliveryAnswerSchema>> {
    const delivery = await this.visible(id, WebhookCaller.of(req));
    return { delivery: publicDelivery(await this.replays.replayOne(delivery.id)) };
  }

  /** The delivery, or `webhook-delivery-not-found` when there is none or it belongs to another owner's subscription. */
  private async visible(id: string, caller: WebhookCaller): Promise<DeliveryRecord> {
    const deliveryId = parseRequest(DeliveryIdSchema, id, 'id');
    const delivery = await this.deliveries.get(deliveryId);
    if (delivery && !caller.isAdmin) {
      const subscription = await this.subscriptions.get(delivery.subscriptionId);
      if (subscription && caller.mayUse(subscription)) return delivery;
    } else if (delivery) return delivery;
    throw notifyingError(NotifyingErrorCode.deliveryNotFound, `delivery ${deliveryId}`, 'no such delivery');
  }
}
