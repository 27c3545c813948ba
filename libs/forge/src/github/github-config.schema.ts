import { z } from 'zod';
import { AutoMergePolicySchema } from '../auto-merge-policy.schema';

/** `https://…`, or plain `http://` to a loopback address only (a local API double). */
const apiUrl = z
  .string()
  .max(500)
  .refine(
    (u) =>
      /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~/-]*)?$/.test(u) ||
      /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?(\/[A-Za-z0-9._~/-]*)?$/.test(u),
    {
      message: 'expected https://host[/path] (http:// only to a loopback address)',
    },
  )
  .transform((u) => u.replace(/\/+$/, ''));

/** Configuration of the `github` forge provider. */
export const GithubForgeConfigSchema = z
  .object({
    provider: z.literal('github'),
    /** The repository owner (user or organisation). */
    owner: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'expected a GitHub user or organisation name'),
    /** The definitions repository's name. */
    repo: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected a GitHub repository name')
      .refine((r) => r !== '.' && r !== '..', 'expected a GitHub repository name'),
    /** A token with Pull requests + Contents write access. Never logged. */
    token: z
      .string()
      .min(1, 'the token is empty')
      .max(1000)
      .regex(/^[\x21-\x7e]+$/, 'the token has characters a token cannot have'),
    /** REST API root (default https://api.github.com; GitHub Enterprise: https://host/api/v3). */
    baseUrl: apiUrl.default('https://api.github.com'),
    /** First segment of the factory's branches (default `pf`). */
    branchPrefix: z.string().default('pf'),
    /** Labels every factory pull request carries. */
    labels: z.array(z.string()).max(20).default(['patch-factory']),
    /** Which severity merges without a person (default DEFAULT_AUTO_MERGE_POLICY). */
    autoMergePolicy: AutoMergePolicySchema.optional(),
    /** Content-creating requests per minute (GitHub's secondary limit is 80; GitHub Enterprise Server can lift it). */
    writesPerMinute: z.number().int().min(1).max(100_000).default(80),
    /** Retries of one request after a rate limit, and separately after a 5xx. */
    maxRetries: z.number().int().min(0).max(10).default(4),
    /** A rate-limit wait longer than this is not slept: the job is retried later instead. */
    maxWaitMs: z
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .default(15 * 60_000),
    /** First backoff after a 5xx (doubles each time, at most 60 s). */
    backoffBaseMs: z.number().int().min(0).max(60_000).default(1_000),
    /** One HTTP request may take this long. */
    requestTimeoutMs: z.number().int().min(100).max(300_000).default(30_000),
  })
  .strict();

export type GithubForgeConfig = z.input<typeof GithubForgeConfigSchema>;
export type ParsedGithubForgeConfig = z.output<typeof GithubForgeConfigSchema>;
