import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** Host names every service answers to when PF_HTTP_ALLOWED_HOSTS adds none: loopback only. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1', 'localhost'];

/** Addresses that mean "every interface": never a host name a client may send. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '*']);

/** Methods that change state: only these are checked for cross-site origins and form bodies. */
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The bodies an HTML form (or a "simple" cross-site fetch) can send without a CORS preflight. */
const FORM_MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** A host name as compared: lower case, IPv6 without brackets, no trailing dot. */
export function normalizeHostName(name: string): string {
  let host = name.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/**
 * The host names the services answer to: loopback, the configured PF_HTTP_HOST unless it is a
 * wildcard address, and the comma-separated PF_HTTP_ALLOWED_HOSTS (e.g. the public name GitHub
 * delivers webhooks to).
 */
export function allowedHostNames(httpHost: string | undefined, extra: readonly string[] = []): ReadonlySet<string> {
  const hosts = new Set(LOOPBACK_HOSTS);
  if (httpHost && !WILDCARD_HOSTS.has(httpHost.trim())) hosts.add(normalizeHostName(httpHost));
  for (const name of extra) if (name.trim()) hosts.add(normalizeHostName(name));
  return hosts;
}

/** The host name of a Host header (`name[:port]`, `[v6][:port]`), or undefined when malformed. */
export function hostNameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = header.trim();
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(value);
  if (bracketed) return normalizeHostName(bracketed[1]!);
  const plain = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value);
  return plain ? normalizeHostName(plain[1]!) : undefined;
}

/** A caller-supplied value made safe to quote in a message: printable ASCII, at most 100 characters. */
export function quoteForMessage(value: string | undefined): string {
  if (value === undefined) return '(none)';
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > 100 ? `${printable.slice(0, 100)}…` : printable);
}

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * Express middleware every service runs before its routes: a request id (X-Request-Id, also
 * `res.locals.requestId`), then refusals of
 * - a Host header naming no allowed host (421 host-not-allowed): DNS rebinding;
 * - a write request from another site (an Origin whose host is not allowed, or
 *   `Sec-Fetch-Site: cross-site`: 403 origin-not-allowed): cross-site form posts;
 * - a write request with a form body type (415 unsupported-media-type): every route takes JSON
 *   (webhooks take raw JSON bytes), and a form is what a cross-site page can post without a preflight.
 * Server-to-server callers (GitHub's webhook deliveries) send no Origin and pass on their Host.
 */
export function httpRequestGuard(allowed: ReadonlySet<string>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = randomUUID();
    res.locals['requestId'] = requestId;
    res.setHeader('X-Request-Id', requestId);

    const hostHeader = req.headers.host;
    const host = hostNameOf(hostHeader);
    if (!host || !allowed.has(host)) {
      refuse(
        res,
        421,
        'host-not-allowed',
        `the Host header ${quoteForMessage(hostHeader)} names no host this service answers to (set PF_HTTP_ALLOWED_HOSTS to add one)`,
      );
      return;
    }
    if (!WRITE_METHODS.has(req.method)) {
      next();
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost: string | undefined;
      try {
        originHost = normalizeHostName(new URL(origin).hostname);
      } catch {
        originHost = undefined;
      }
      if (!originHost || !allowed.has(originHost)) {
        refuse(
          res,
          403,
          'origin-not-allowed',
          `a ${req.method} from the origin ${quoteForMessage(origin)} is refused: only the factory's own hosts may write`,
        );
        return;
      }
    }
    if (req.headers['sec-fetch-site'] === 'cross-site') {
      refuse(res, 403, 'origin-not-allowed', `a cross-site ${req.method} (Sec-Fetch-Site: cross-site) is refused`);
      return;
    }
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (FORM_MEDIA_TYPES.has(mediaType)) {
      refuse(
        res,
        415,
        'unsupported-media-type',
        `request body: ${quoteForMessage(mediaType)} is not accepted; send application/json`,
      );
      return;
    }
    next();
  };
}

/** Server timeouts (ms), shorter than Node's defaults; no route holds a request open longer. */
export const HTTP_TIMEOUTS = { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 } as const;
