import { z } from 'zod';
import { ROLES, SCOPES } from '@patch-factory/store';

/** A new token: a name saying who holds it, and a role or explicit scopes (not both). */
export const CreateTokenBodySchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,99}$/, 'expected a name of 1–100 letters, digits, spaces and . _ @ : -'),
    role: z.enum(Object.keys(ROLES) as [keyof typeof ROLES, ...(keyof typeof ROLES)[]]).optional(),
    scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length).optional(),
  })
  .strict()
  .refine((b) => (b.role === undefined) !== (b.scopes === undefined), {
    message: 'expected either role or scopes',
    path: ['role'],
  })
  .meta({ id: 'CreateToken' });

export const TokenIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'expected a token id of 16 hex digits');

export const ListAuditQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    actor: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected a token id, anonymous or github-webhook')
      .optional(),
  })
  .strict();
