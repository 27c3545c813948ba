import { Controller, Inject, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { EventStore, WEBHOOK_CLOCK, type WebhookClock } from '@patch-factory/notifying';
import { DEFAULT_FEED_ENTRIES, imageFeedEvents, renderAtomFeed } from '@patch-factory/webhooks';
import { ApiErrorFilter } from '../api-error.filter';
import { ApiRoute } from '../api-route.decorator';
import { API_ROUTES } from '../api.routes';
import { parseRequest } from '../parse-request';
import { FeedQuerySchema } from './webhooks-api.schemas';

/** An image's feed looks for its entries among this many of the newest image events. */
export const IMAGE_FEED_WINDOW = 1000;

/**
 * Atom feeds of image updates (issue 17), for people and tools that poll: the whole catalog's,
 * and one image's (`?image=examples/redis`: image names hold `/`, so a query, not a path). Made
 * from the image events the notify stage stored (EventStore) on each request. The `read` scope,
 * or nothing when the operator sets PF_FEEDS_PUBLIC=true (the access guard, @PublicWhen).
 */
@Controller()
@UseFilters(ApiErrorFilter)
export class ImageFeedsController {
  constructor(
    private readonly events: EventStore,
    @Inject(WEBHOOK_CLOCK) private readonly clock: WebhookClock,
  ) {}

  @ApiRoute(API_ROUTES.imagesFeed)
  async images(
    @Query() query: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const { image } = parseRequest(FeedQuerySchema, query, 'query');
    const recent = await this.events.recentImageEvents(image ? IMAGE_FEED_WINDOW : DEFAULT_FEED_ENTRIES);
    const xml = renderAtomFeed(image ? imageFeedEvents(recent, image) : recent, {
      title: image ? `patch-factory: updates of ${image}` : 'patch-factory: image updates',
      // The Host header was checked against the allowed host names (httpRequestGuard).
      selfUrl: `${req.protocol}://${req.get('host') ?? '127.0.0.1'}${req.originalUrl}`,
      now: this.clock.now(),
    });
    res.setHeader('content-type', 'application/atom+xml; charset=utf-8');
    return xml;
  }
}
