import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { CloudEvent } from 'cloudevents';
import { Webhook } from 'standardwebhooks';

/**
 * A local webhook receiver for the notifier's tests (127.0.0.1, reached through the allow-list).
 * Every request is checked with the independent `standardwebhooks` package against each of the
 * receiver's secrets alone, and its body with the `cloudevents` package's strict validation.
 * `respond` decides the answer (204 by default); `hold` keeps every response open until released.
 */
export interface ReceivedDelivery {
  readonly webhookId: string;
  readonly timestamp: number;
  readonly signatures: string[];
  readonly body: string;
  readonly contentType: string;
  /** For each of the receiver's secrets (in order): whether the request carries its signature. */
  readonly signedBy: boolean[];
  /** Whether the body is a valid CloudEvent (strict validation of the cloudevents package). */
  readonly cloudEvent: boolean;
  readonly eventId: string | undefined;
  readonly eventType: string | undefined;
  readonly status: number;
}

export type Responder = (d: ReceivedDelivery) => { status: number; headers?: Record<string, string>; body?: string };

export interface TestReceiver {
  readonly port: number;
  readonly url: string;
  readonly received: ReceivedDelivery[];
  /** The secrets checked (each alone); set after create or rotate. */
  secrets: string[];
  respond: Responder;
  /** While true, requests are recorded and not answered (a hanging or held endpoint). */
  hold: boolean;
  /** Requests whose response is not sent yet (held or hanging), now and at most. */
  readonly open: { now: number; max: number };
  /** The webhook-ids seen and how many times each. */
  counts(): Map<string, number>;
  close(): Promise<void>;
}

/** Whether `secret` signed the request, by the standardwebhooks package: its full verify (timestamp tolerance included) when `strict`. */
export function signedWith(secret: string, headers: Record<string, string>, body: string, strict: boolean): boolean {
  const wh = new Webhook(secret);
  try {
    if (strict) {
      wh.verify(body, headers);
      return true;
    }
    // The webhook clock of a simulated day is ahead of the wall clock, which verify's timestamp
    // tolerance reads: the signature itself is still the package's own.
    const expected = wh.sign(headers['webhook-id'] ?? '', new Date(Number(headers['webhook-timestamp']) * 1000), body);
    return (headers['webhook-signature'] ?? '').split(' ').includes(expected);
  } catch {
    return false;
  }
}

function inspect(headers: http.IncomingHttpHeaders, body: string, secrets: string[], strict: boolean) {
  const h: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) h[name] = String(headers[name] ?? '');
  let cloudEvent = false;
  let eventId: string | undefined;
  let eventType: string | undefined;
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    eventId = typeof json['id'] === 'string' ? json['id'] : undefined;
    eventType = typeof json['type'] === 'string' ? json['type'] : undefined;
    new CloudEvent<unknown>(json as never, true);
    cloudEvent = true;
  } catch {
    cloudEvent = false;
  }
  return {
    webhookId: h['webhook-id'] as string,
    timestamp: Number(h['webhook-timestamp']),
    signatures: (h['webhook-signature'] as string).split(' ').filter((s) => s !== ''),
    body,
    contentType: String(headers['content-type'] ?? ''),
    signedBy: secrets.map((s) => signedWith(s, h, body, strict)),
    cloudEvent,
    eventId,
    eventType,
  };
}

/**
 * Starts a receiver on 127.0.0.1 (a free port, or `port`). `strict`: verify with the package's
 * timestamp tolerance (the webhook clock near the wall clock); otherwise the signature only.
 * `hold`: accept requests and never answer them (until closed).
 */
export async function startTestReceiver(
  options: { port?: number; strict?: boolean; hold?: boolean; respond?: Responder } = {},
): Promise<TestReceiver> {
  const received: ReceivedDelivery[] = [];
  const open = { now: 0, max: 0 };
  const receiver: Omit<TestReceiver, 'port' | 'url'> & { port: number; url: string } = {
    port: 0,
    url: '',
    received,
    secrets: [],
    respond: options.respond ?? (() => ({ status: 204 })),
    hold: options.hold ?? false,
    open,
    counts: () => {
      const m = new Map<string, number>();
      for (const d of received) m.set(d.webhookId, (m.get(d.webhookId) ?? 0) + 1);
      return m;
    },
    close: () => Promise.resolve(),
  };
  const server = http.createServer((req, res) => {
    open.now++;
    open.max = Math.max(open.max, open.now);
    let closed = false;
    res.on('close', () => {
      if (!closed) open.now--;
      closed = true;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = inspect(
        req.headers,
        Buffer.concat(chunks).toString('utf8'),
        receiver.secrets,
        options.strict ?? false,
      );
      if (receiver.hold) {
        received.push({ ...seen, status: 0 });
        return;
      }
      const answer = receiver.respond({ ...seen, status: 0 });
      received.push({ ...seen, status: answer.status });
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** A port on 127.0.0.1 with nothing listening (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
