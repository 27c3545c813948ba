import { z } from 'zod';
import { UsageError, boolFlag, expectPositionals, intFlag, stringFlag } from './args';
import { decode } from './api-responses';
import { resourcePath, type Command } from './command';
import { ago, table } from './format';
import { safeJson, safeText } from './terminal-text';

const ROLE_NAMES = ['reader', 'operator', 'ingest', 'subscriber', 'admin'];
const TokenInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.number(),
  createdBy: z.string(),
});
const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.number(),
  actor: z.string(),
  actorName: z.string().optional(),
  method: z.string(),
  path: z.string(),
  status: z.number(),
  outcome: z.string(),
});

export const tokenCreateCommand: Command = {
  name: 'token create',
  synopsis: '<name> [--role reader|operator|ingest|subscriber|admin] [--json]',
  summary: 'make an API token (admin); its secret is printed once',
  help: [
    '<name>       who holds it (shown in the audit log)',
    '--role R     reader (read), operator (read, trigger, replay, webhooks), ingest (events), subscriber (read, webhooks) or admin; default reader',
    '--json       the API answer as JSON',
  ],
  flags: { role: 'string', json: 'boolean' },
  async run(args, ctx) {
    const [name] = expectPositionals(args, ['name'], 'token create') as [string];
    const role = stringFlag(args, 'role') ?? 'reader';
    if (!ROLE_NAMES.includes(role))
      throw new UsageError(`--role must be one of ${ROLE_NAMES.join(', ')}`, 'token create');
    const body = await ctx.api.post('tokens', { name, role });
    const created = decode(TokenInfoSchema.extend({ token: z.string() }), body, 'token');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    ctx.print(
      `token ${safeText(created.id, 16)} (${safeText(created.name, 100)}: ${created.scopes.map((s) => safeText(s, 16)).join(', ')})`,
      safeText(created.token, 80),
      'keep it now: it is not shown again',
    );
  },
};

export const tokenListCommand: Command = {
  name: 'token list',
  synopsis: '[--json]',
  summary: 'the API tokens, never their secrets (admin)',
  help: ['--json  the API answer as JSON'],
  flags: { json: 'boolean' },
  async run(args, ctx) {
    expectPositionals(args, [], 'token list');
    const body = await ctx.api.get('tokens');
    const { tokens } = decode(z.object({ tokens: z.array(TokenInfoSchema) }), body, 'token list');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    ctx.print(
      ...table(
        ['ID', 'NAME', 'SCOPES', 'CREATED', 'BY'],
        tokens.map((t) => [
          safeText(t.id, 16),
          safeText(t.name, 100),
          t.scopes.map((s) => safeText(s, 16)).join(','),
          ago(t.createdAt, ctx.now),
          safeText(t.createdBy, 32),
        ]),
      ),
    );
  },
};

export const tokenRevokeCommand: Command = {
  name: 'token revoke',
  synopsis: '<id>',
  summary: 'revoke an API token at once (admin)',
  help: ['<id>  a token id from "patch-factory token list"'],
  flags: {},
  async run(args, ctx) {
    const [id] = expectPositionals(args, ['id'], 'token revoke') as [string];
    if (!/^[0-9a-f]{16}$/.test(id))
      throw new UsageError(`"${safeText(id, 40)}" is not a token id (16 hex digits)`, 'token revoke');
    await ctx.api.delete(resourcePath('tokens', id));
    ctx.print(`revoked token ${id}`);
  },
};

export const auditCommand: Command = {
  name: 'audit',
  synopsis: '[--limit N] [--actor ID] [--json]',
  summary: 'the audit log: write requests and refused requests, newest first (admin)',
  help: [
    '--limit N    at most N entries (1 to 1000, default 100)',
    '--actor ID   only this token id (or anonymous, github-webhook)',
    '--json       the API answer as JSON',
  ],
  flags: { limit: 'string', actor: 'string', json: 'boolean' },
  async run(args, ctx) {
    expectPositionals(args, [], 'audit');
    const limit = intFlag(args, 'limit', 1, 1000, 'audit');
    const body = await ctx.api.get('audit', { limit, actor: stringFlag(args, 'actor') });
    const { entries } = decode(z.object({ entries: z.array(AuditEntrySchema) }), body, 'audit log');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    if (entries.length === 0) return ctx.print('the audit log is empty');
    ctx.print(
      ...table(
        ['WHEN', 'WHO', 'REQUEST', 'STATUS', 'OUTCOME'],
        entries.map((e) => [
          ago(e.at, ctx.now),
          safeText(e.actorName ? `${e.actorName} (${e.actor})` : e.actor, 120),
          `${safeText(e.method, 8)} ${safeText(e.path, 200)}`,
          String(e.status),
          safeText(e.outcome, 16),
        ]),
      ),
    );
  },
};
