import { z } from 'zod';
import { JsonIntegerSchema, StringListSchema } from './json-value.schema';

/** One `accounts.users[]` entry. */
export const UserSchema = z.strictObject({
  name: z.string(),
  uid: JsonIntegerSchema,
  gid: JsonIntegerSchema,
  mode: z.string().optional(),
});

/** One `accounts.groups[]` entry. */
export const GroupSchema = z.strictObject({
  name: z.string(),
  gid: JsonIntegerSchema,
  members: StringListSchema.optional(),
});

/** `accounts:` of an image or a build: users, groups, and who the process runs as. */
export const AccountsSchema = z.strictObject({
  root: z.boolean().optional(),
  'run-as': z.string().optional(),
  users: z.array(UserSchema).optional(),
  groups: z.array(GroupSchema).optional(),
});

export type Accounts = z.output<typeof AccountsSchema>;
