// Test helpers (not a suite): a subscriber of the factory's webhooks, as a consumer team runs one:
// an http receiver on 127.0.0.1 that verifies every delivery with the independent
// `standardwebhooks` package and keeps the verified CloudEvents, and its subscription.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudEvent } from 'cloudevents';
import { Webhook } from 'standardwebhooks';

/** A delivery that verified: its `webhook-id` and the CloudEvent it carried. */
export interface VerifiedDelivery {
  webhookId: string;
  event: { id: string; type: string; subject: string; data: Record<string, unknown> } & Record<string, unknown>;
}

export interface WebhookSubscriber {
  url: string;
  /** Deliveries that verified, in arrival order (a redelivery of the same webhook-id included). */
  verified: VerifiedDelivery[];
  /** Deliveries that did not verify (answered 401). */
  rejected: number;
  /** Set once the factory answered the subscription: then deliveries are checked against it. */
  useSecret(secret: string): void;
  close(): Promise<void>;
}

/** The settings a pipeline needs for webhooks to reach a subscriber on 127.0.0.1: a sealing key and the allow-list. */
export function webhookTestEnv(): Record<string, string> {
  return {
    PF_WEBHOOK_SECRET_KEYS: `test:${randomBytes(32).toString('base64')}`,
    PF_WEBHOOK_ALLOW_CIDRS: '127.0.0.1/32',
  };
}

/** A receiver that verifies each delivery (standardwebhooks) and that its body is a valid CloudEvent (cloudevents, strict). */
export async function startWebhookSubscriber(): Promise<WebhookSubscriber> {
  let hook: Webhook | undefined;
  const verified: VerifiedDelivery[] = [];
  let rejected = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        if (!hook) throw new Error('no secret yet');
        const headers = Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
        );
        const event = hook.verify(body, headers) as VerifiedDelivery['event'];
        // Strict: throws on an envelope that breaks CloudEvents 1.0.
        new CloudEvent<unknown>({ ...event }, true);
        verified.push({ webhookId: headers['webhook-id'] ?? '', event });
        res.writeHead(204).end();
      } catch {
        rejected++;
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/factory`,
    verified,
    get rejected() {
      return rejected;
    },
    useSecret: (secret) => {
      hook = new Webhook(secret);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
