import type { Request } from 'express';
import { TerminalError } from '@patch-factory/contracts';
import { NotifyingErrorCode, notifyingError, type SubscriptionRepository } from '@patch-factory/notifying';
import { hasScope, principalOf, type Principal } from '@patch-factory/store';
import type { Subscription } from '@patch-factory/webhooks';

/**
 * Who owns webhook subscriptions: the name the calling token was created with (a team's
 * replacement token, made under the same name, keeps its subscriptions; the token id would
 * not). A caller sees and changes only its own subscriptions and their deliveries; a token with
 * the `admin` scope sees and changes all. Another owner's subscription answers exactly what a
 * missing one does (404), so ids do not tell which subscriptions exist.
 */
export class WebhookCaller {
  private constructor(private readonly principal: Principal) {}

  static of(req: Request): WebhookCaller {
    const principal = principalOf(req);
    // The access guard sets it on every route that needs a scope: a route without one is a bug.
    if (!principal) throw new TerminalError('unauthenticated', 'webhook routes need a bearer token');
    return new WebhookCaller(principal);
  }

  /** The owner a subscription this caller creates gets. */
  get owner(): string {
    return this.principal.name;
  }

  get isAdmin(): boolean {
    return hasScope(this.principal, 'admin');
  }

  /** True when this caller may see and change the subscription. */
  mayUse(subscription: Pick<Subscription, 'owner'>): boolean {
    return this.isAdmin || subscription.owner === this.owner;
  }

  /** The subscription, or `webhook-subscription-not-found` when it does not exist or is another owner's. */
  async subscription(subscriptions: SubscriptionRepository, id: string): Promise<Subscription> {
    const found = await subscriptions.get(id);
    if (!found || !this.mayUse(found))
      throw notifyingError(NotifyingErrorCode.subscriptionNotFound, `subscription ${id}`, 'no such subscription');
    return found;
  }
}
