import { Body, Controller, Param, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import type { z } from 'zod';
import { TerminalError } from '@patch-factory/contracts';
import { ApiTokenRepository, ROLES, principalOf } from '@patch-factory/store';
import { ApiErrorFilter } from '../api-error.filter';
import { ApiRoute } from '../api-route.decorator';
import type { CreatedTokenSchema, TokenListSchema } from '../api-responses.schemas';
import { API_ROUTES } from '../api.routes';
import { parseRequest } from '../parse-request';
import { CreateTokenBodySchema, TokenIdSchema } from './access.schemas';

/** API tokens (admin): make one (its secret is answered once), list them, revoke one. */
@Controller()
@UseFilters(ApiErrorFilter)
export class TokensController {
  constructor(private readonly tokens: ApiTokenRepository) {}

  @ApiRoute(API_ROUTES.createToken)
  async create(@Body() body: unknown, @Req() req: Request): Promise<z.infer<typeof CreatedTokenSchema>> {
    const b = parseRequest(CreateTokenBodySchema, body, 'body');
    const scopes = b.scopes ?? ROLES[b.role ?? 'reader'];
    const created = await this.tokens.create(b.name, scopes, principalOf(req)?.tokenId ?? 'unknown');
    return { token: created.token, ...created.info };
  }

  @ApiRoute(API_ROUTES.listTokens)
  async list(): Promise<z.infer<typeof TokenListSchema>> {
    return { tokens: await this.tokens.list() };
  }

  @ApiRoute(API_ROUTES.revokeToken)
  async revoke(@Param('id') id: string): Promise<void> {
    const tokenId = parseRequest(TokenIdSchema, id, 'id');
    if (!(await this.tokens.revoke(tokenId)))
      throw new TerminalError('token-not-found', `no token with id "${tokenId}"`);
  }
}
