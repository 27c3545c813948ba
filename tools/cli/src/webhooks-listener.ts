import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PipelineError } from '@patch-factory/contracts';
import { verifySignature } from '@patch-factory/webhooks';
import { SeenIds } from './webhooks-seen-ids';

/** Bodies beyond this are answered 413 and not read further. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A verified delivery, parsed. */
export interface VerifiedDelivery {
  readonly webhookId: string;
  readonly timestamp: number;
  /** The CloudEvents envelope (hostile: escape before printing). */
  readonly envelope: Record<string, unknown>;
}

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  /** The request path deliveries come to; other paths are answered 404. */
  readonly path: string;
  readonly secrets: readonly string[];
  readonly maxBodyBytes?: number;
  /** How many recent webhook ids are remembered to spot retries. */
  readonly recentIds?: number;
  /** Unix seconds now (injectable clock). */
  readonly nowSeconds?: () => number;
  /**
   * A delivery that verified and was not seen before: true takes it (answered 204), false turns it
   * away (answered 503, so that the sender retries it elsewhere or later: a listener past --max).
   */
  onDelivery(delivery: VerifiedDelivery): boolean;
  /** The 204 of a taken delivery has been sent. */
  onAnswered?(): void;
  /** A verified delivery whose webhook-id was seen lately (a retry). */
  onDuplicate(webhookId: string): void;
  /** A request refused: its status and the reason (never the body). */
  onRefused(status: number, reason: string): void;
}

export interface Listener {
  /** `http://host:port/path`, with the bound port. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A Standard Webhooks receiver: POST only, the body bounded, the signature verified with any of the
 * secrets within the timestamp tolerance, then the body parsed as a JSON object (the CloudEvents
 * envelope). Answers 204 to a verified delivery (a retry too), 401 to a failed verification.
 */
export async function startListener(options: ListenerOptions): Promise<Listener> {
  const seen = new SeenIds(options.recentIds);
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const server = createServer((req, res) => handle(req, res));

  const answer = (res: ServerResponse, status: number, reason?: string, headers: Record<string, string> = {}) => {
    if (reason !== undefined) options.onRefused(status, reason);
    res.writeHead(status, reason === undefined ? headers : { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(reason === undefined ? undefined : `${reason}\n`);
  };

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== options.path) {
      req.resume();
      return answer(res, 404, `no receiver at this path (deliveries go to ${options.path})`);
    }
    if (req.method !== 'POST') {
      req.resume();
      return answer(res, 405, `method ${req.method ?? '?'} not allowed: deliveries are POST`, { allow: 'POST' });
    }
    const tooLarge = () => {
      // Stop reading: answer and close the connection rather than drain the rest.
      req.removeAllListeners('data');
      req.pause();
      res.once('finish', () => req.socket.destroy());
      answer(res, 413, `body larger than ${limit} bytes`, { connection: 'close' });
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        over = true;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!over) receive(req, res, Buffer.concat(chunks));
    });
    req.once('error', () => res.destroy());
  }

  function receive(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    let verified: { id: string; timestamp: number };
    try {
      verified = verifySignature({
        headers: req.headers,
        body,
        secrets: options.secrets,
        ...(options.nowSeconds ? { nowSeconds: options.nowSeconds() } : {}),
      });
    } catch (error) {
      if (!(error instanceof PipelineError)) throw error;
      return answer(res, 401, `${error.code}: ${error.message}`);
    }
    let envelope: unknown;
    try {
      envelope = JSON.parse(body.toString('utf8'));
    } catch {
      envelope = undefined;
    }
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
      return answer(res, 400, `webhook-id ${verified.id}: the body is not a JSON object (a CloudEvents envelope)`);
    }
    if (seen.seen(verified.id)) {
      options.onDuplicate(verified.id);
      return answer(res, 204);
    }
    const taken = options.onDelivery({
      webhookId: verified.id,
      timestamp: verified.timestamp,
      envelope: envelope as Record<string, unknown>,
    });
    if (!taken) seen.forget(verified.id);
    if (!taken) return answer(res, 503, `webhook-id ${verified.id}: the listener is stopping`, { 'retry-after': '60' });
    res.once('finish', () => options.onAnswered?.());
    answer(res, 204);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${options.path}`,
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
