import { HttpException, Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { CONFIG, type Env } from '@patch-factory/config';
import {
  ApiTokenRepository,
  PUBLIC_ROUTE,
  PUBLIC_WHEN,
  type PublicSetting,
  REQUIRED_SCOPE,
  RequestRateLimiter,
  hasScope,
  setPrincipal,
  type Scope,
} from '@patch-factory/store';

/** `Authorization: Bearer <token>`, the token printable ASCII of bounded length. */
const BEARER = /^Bearer +([\x21-\x7e]{1,256})$/i;

/** Answers `{ error: { code, message } }` with the status (every filter passes the body through). */
function refuse(status: number, code: string, message: string): HttpException {
  return new HttpException({ error: { code, message } }, status);
}

/**
 * Every route needs a bearer token with the route's scope (@RequireScope; a route without
 * one needs `admin`), except @PublicRoute ones (health, signed webhooks) and @PublicWhen ones
 * whose setting the operator turned on (feeds with PF_FEEDS_PUBLIC). 401 without a
 * valid token, 429 over the token's rate, 403 without the scope. The principal is set on the
 * request for the handlers and the audit log.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokenRepository,
    private readonly limiter: RequestRateLimiter,
    @Optional() @Inject(CONFIG) private readonly config?: Env,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    // @PublicWhen(setting): open without a token when the operator turned the setting on (feeds).
    const openWhen = this.reflector.getAllAndOverride<PublicSetting | undefined>(PUBLIC_WHEN, targets);
    if (openWhen && this.config?.[openWhen] === true) return true;
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, targets) ?? 'admin';
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();

    const header = req.headers.authorization;
    if (header === undefined) {
      res.setHeader('WWW-Authenticate', `Bearer realm="patch-factory", scope="${scope}"`);
      throw refuse(
        401,
        'unauthenticated',
        `this route needs a bearer token with scope "${scope}" (Authorization: Bearer pf_…)`,
      );
    }
    const presented = BEARER.exec(header)?.[1];
    const principal = presented === undefined ? undefined : await this.tokens.verify(presented);
    if (!principal) {
      res.setHeader('WWW-Authenticate', `Bearer realm="patch-factory", error="invalid_token"`);
      throw refuse(
        401,
        'invalid-token',
        'the Authorization header holds no valid bearer token (malformed, unknown or revoked)',
      );
    }
    setPrincipal(req, principal);

    const rate = this.limiter.take(principal.tokenId);
    res.setHeader('RateLimit-Remaining', String(rate.remaining));
    if (!rate.allowed) {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(rate.resetMs / 1000))));
      throw refuse(
        429,
        'rate-limited',
        `token "${principal.name}" made more requests this minute than PF_API_RATE_LIMIT_PER_MINUTE allows; retry after the Retry-After seconds`,
      );
    }
    if (!hasScope(principal, scope)) {
      res.setHeader('WWW-Authenticate', `Bearer realm="patch-factory", error="insufficient_scope", scope="${scope}"`);
      throw refuse(
        403,
        'insufficient-scope',
        `token "${principal.name}" lacks scope "${scope}" (it holds: ${principal.scopes.join(', ') || 'none'})`,
      );
    }
    return true;
  }
}
