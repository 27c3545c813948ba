/**
 * The clock of the webhook system: when attempts are due, when a secret's overlap ends, since
 * when an endpoint fails. Injected (WEBHOOK_CLOCK), so that a test lives through a simulated day
 * without sleeping; the system clock otherwise.
 */
export interface WebhookClock {
  now(): number;
}

export const WEBHOOK_CLOCK = Symbol('patch-factory.webhook-clock');

export const systemClock: WebhookClock = { now: () => Date.now() };

/** A clock that moves only when told (tests, benchmarks). */
export class ManualClock implements WebhookClock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
