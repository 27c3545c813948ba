import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import { TerminalError } from '@patch-factory/contracts';
import { ApiTokenRepository, ROLES, RequireScope, principalOf, type ApiTokenInfo } from '@patch-factory/store';
import { ApiErrorFilter } from '../api-error.filter';
import { parseRequest } from '../parse-request';
import { CreateTokenBodySchema, TokenIdSchema } from './access.schemas';

/** API tokens (admin): make one (its secret is answered once), list them, revoke one. */
@Controller('tokens')
@UseFilters(ApiErrorFilter)
@RequireScope('admin')
export class TokensController {
  constructor(private readonly tokens: ApiTokenRepository) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown, @Req() req: Request): Promise<{ token: string } & ApiTokenInfo> {
    const b = parseRequest(CreateTokenBodySchema, body, 'body');
    const scopes = b.scopes ?? ROLES[b.role ?? 'reader'];
    const created = await this.tokens.create(b.name, scopes, principalOf(req)?.tokenId ?? 'unknown');
    return { token: created.token, ...created.info };
  }

  @Get()
  async list(): Promise<{ tokens: ApiTokenInfo[] }> {
    return { tokens: await this.tokens.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string): Promise<void> {
    const tokenId = parseRequest(TokenIdSchema, id, 'id');
    if (!(await this.tokens.revoke(tokenId))) throw new TerminalError('token-not-found', `no token with id "${tokenId}"`);
  }
}
