import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { PipelineError, shown } from '@patch-factory/contracts';
import type { AllowList } from '../receiver-address/allow-list';
import { type CheckedReceiver, checkReceiverUrl, type Resolver } from '../receiver-address/receiver-address';
import { WebhooksErrorCode } from '../webhooks-errors';
import { parseRetryAfter, RETRY_AFTER_CAP_MS } from './retry-schedule';

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_EXCERPT_BYTES = 1024;
const USER_AGENT = 'patch-factory-webhooks/1';
/** Headers the attempt sets itself; the caller's are dropped. */
const OWN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade']);

export interface DeliverOnceInput {
  readonly url: string;
  /** The signed headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`) and content-type. */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes that were signed. */
  readonly body: string | Uint8Array;
  readonly resolver?: Resolver;
  readonly allowList?: AllowList | readonly string[];
  /** The whole attempt: resolution, connection, TLS, response head and excerpt. */
  readonly timeoutMs?: number;
  /** At most this many bytes of the response are read (then the connection is destroyed). */
  readonly excerptBytes?: number;
  /**
   * The CA certificates (PEM) trusted for this attempt, for https receivers on premises (and tests):
   * given, they replace node's default roots (as tls.connect's `ca` does).
   */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** The clock for a Retry-After HTTP-date (ms). */
  readonly now?: () => number;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'gone' | 'throttled';

/** One attempt, for the delivery log; never thrown. */
export interface AttemptResult {
  /** delivered: 2xx; gone: 410 (disable the endpoint); throttled: 429/503; failed: anything else. */
  readonly outcome: DeliveryOutcome;
  readonly status?: number;
  /** From the start of the attempt to the response head (or to the failure). */
  readonly latencyMs: number;
  /** The start of the response body, at most excerptBytes, as UTF-8. */
  readonly excerpt: string;
  /** True when the body was longer than the excerpt (the rest was not read). */
  readonly excerptTruncated: boolean;
  /** A 429/503's Retry-After, in ms, capped at a day. */
  readonly retryAfterMs?: number;
  readonly errorCode?: WebhooksErrorCode;
  /** What went wrong, for a person (no secret: headers are not echoed). */
  readonly error?: string;
  /** The address connected to (the checked one). */
  readonly address?: string;
}

/** A node lookup that answers only `address`, whatever it is asked: no second resolution. */
export function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/**
 * Deliver once: check the receiver URL (one resolution), connect to the checked address only (TLS
 * name and Host header from the URL), POST the body, read the status and at most excerptBytes of
 * the response. Redirects are failures, never followed. Transport errors are results, not throws.
 */
export async function deliverOnce(input: DeliverOnceInput): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const failed = (errorCode: WebhooksErrorCode, error: string, extra: Partial<AttemptResult> = {}): AttemptResult => ({
    outcome: 'failed',
    latencyMs: elapsed(),
    excerpt: '',
    excerptTruncated: false,
    errorCode,
    error,
    ...extra,
  });
  for (const [name, value] of Object.entries(input.headers)) {
    try {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, value);
    } catch {
      return failed(WebhooksErrorCode.headersInvalid, `header ${JSON.stringify(shown(name, 60))} is not valid HTTP`);
    }
  }
  try {
    let checked: CheckedReceiver | 'timeout';
    try {
      checked = await Promise.race([
        checkReceiverUrl(input.url, { resolver: input.resolver, allowList: input.allowList }),
        deadline,
      ]);
    } catch (err) {
      if (err instanceof PipelineError) return failed(err.code as WebhooksErrorCode, err.message);
      return failed(WebhooksErrorCode.transportFailed, shown(String(err), 300));
    }
    if (checked === 'timeout') return failed(WebhooksErrorCode.timeout, `no address within ${timeoutMs} ms`);
    return await attempt(checked, input, timeoutMs - elapsed(), elapsed, failed);
  } finally {
    clearTimeout(timer);
  }
}

function attempt(
  target: CheckedReceiver,
  input: DeliverOnceInput,
  remainingMs: number,
  elapsed: () => number,
  failed: (code: WebhooksErrorCode, error: string, extra?: Partial<AttemptResult>) => AttemptResult,
): Promise<AttemptResult> {
  const { url } = target;
  const body = typeof input.body === 'string' ? Buffer.from(input.body) : input.body;
  const headers: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (!OWN_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  headers['content-type'] ??= 'application/json';
  headers['user-agent'] ??= USER_AGENT;
  headers.host = url.host;
  headers['content-length'] = body.byteLength;
  const excerptBytes = input.excerptBytes ?? DEFAULT_EXCERPT_BYTES;
  const secure = url.protocol === 'https:';
  const options: https.RequestOptions = {
    method: 'POST',
    host: target.hostname,
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    path: `${url.pathname}${url.search}`,
    headers,
    lookup: pinnedLookup(target.address, target.family),
    agent: false,
    ...(isIP(target.hostname) === 0 && secure ? { servername: target.hostname } : {}),
    ...(secure && input.ca !== undefined ? { ca: input.ca as string | Buffer | (string | Buffer)[] } : {}),
  };

  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    let status: number | undefined;
    let latencyMs = 0;
    let retryAfter: string | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;

    const settle = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...result, address: target.address });
    };
    const finishResponse = (): void => {
      if (status === undefined) return;
      const excerpt = Buffer.concat(chunks).toString('utf8');
      const common = { status, latencyMs, excerpt, excerptTruncated: truncated };
      settle(classify(common, retryAfter, input.now?.() ?? Date.now()));
    };

    const req = (secure ? https : http).request(options, (res) => {
      status = res.statusCode ?? 0;
      latencyMs = elapsed();
      retryAfter = res.headers['retry-after'];
      if (excerptBytes <= 0) {
        truncated = res.headers['content-length'] !== '0';
        finishResponse();
        return;
      }
      res.on('data', (chunk: Buffer) => {
        const room = excerptBytes - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          size = excerptBytes;
          truncated = true;
          finishResponse();
        } else {
          chunks.push(chunk);
          size += chunk.length;
        }
      });
      res.on('end', finishResponse);
      // The head arrived: a body that breaks off still leaves the status to judge by.
      res.on('error', finishResponse);
      res.on('aborted', finishResponse);
    });
    const timer = setTimeout(
      () => {
        if (status !== undefined) {
          truncated = true;
          finishResponse();
        } else {
          settle(failed(WebhooksErrorCode.timeout, `no response within the attempt's timeout`));
        }
      },
      Math.max(remainingMs, 0),
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (status !== undefined) {
        finishResponse();
        return;
      }
      settle(failed(transportCode(err), `${err.code ?? 'error'}: ${shown(err.message, 300)}`));
    });
    req.end(body);
  });
}

function classify(
  common: { status: number; latencyMs: number; excerpt: string; excerptTruncated: boolean },
  retryAfter: string | undefined,
  nowMs: number,
): AttemptResult {
  const { status } = common;
  if (status >= 200 && status < 300) return { outcome: 'delivered', ...common };
  if (status === 410) return { outcome: 'gone', ...common };
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(retryAfter, nowMs, RETRY_AFTER_CAP_MS);
    return { outcome: 'throttled', ...common, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  if (status >= 300 && status < 400) {
    return {
      outcome: 'failed',
      ...common,
      errorCode: WebhooksErrorCode.redirectRefused,
      error: `the receiver answered ${status}: redirects are not followed`,
    };
  }
  return {
    outcome: 'failed',
    ...common,
    errorCode: WebhooksErrorCode.httpStatus,
    error: `the receiver answered ${status}`,
  };
}

const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|EPROTO$|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_)/;

function transportCode(err: NodeJS.ErrnoException): WebhooksErrorCode {
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return WebhooksErrorCode.connectionRefused;
  if (['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE'].includes(code)) {
    return WebhooksErrorCode.connectionReset;
  }
  if (['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'].includes(code)) return WebhooksErrorCode.unreachable;
  if (code === 'ETIMEDOUT') return WebhooksErrorCode.timeout;
  if (TLS_CODE.test(code) || /certificate|ssl|tls/i.test(err.message)) return WebhooksErrorCode.tlsFailed;
  return WebhooksErrorCode.transportFailed;
}
