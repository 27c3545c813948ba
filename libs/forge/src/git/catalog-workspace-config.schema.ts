import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { hasControlCharacter } from '../safe-input';

const identity = z.object({ name: z.string(), email: z.string() }).strict();

/** `http://` to a loopback address (a local git server; never a remote host in clear text). */
export const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?\//;

/**
 * A remote the factory may clone and push: an absolute local path, `file://`, `https://`
 * (no credentials in the URL; give them as httpAuth), `http://` to a loopback address only,
 * `ssh://` or scp-like `user@host:path`. No leading `-`, no whitespace or control characters,
 * no `ext::`/`fd::` transports.
 */
export const RemoteUrlSchema = z
  .string()
  .min(1)
  .max(1000)
  .refine(
    (u) => !/\s/.test(u) && !hasControlCharacter(u) && !u.startsWith('-'),
    'the remote URL has whitespace, control characters or a leading "-"',
  )
  .refine(
    (u) =>
      isAbsolute(u) ||
      /^file:\/\/\//.test(u) ||
      /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\//.test(u) ||
      LOOPBACK_HTTP.test(u) ||
      /^ssh:\/\/([A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(:\d+)?\//.test(u) ||
      /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._/-]+$/.test(u),
    'expected an absolute path, file:///…, https://host/… (no credentials), http://127.0.0.1/…, ssh://… or user@host:path',
  );

/** Configuration of the factory's clone of the catalog (validated once, at boot). */
export const CatalogWorkspaceConfigSchema = z
  .object({
    /** Where the definitions repository lives. */
    remoteUrl: RemoteUrlSchema,
    /** An absolute folder owned by the factory; a bare clone is made there on first use. */
    workDir: z.string().refine((p) => isAbsolute(p) && !hasControlCharacter(p), 'expected an absolute path'),
    /** Author of the factory's commits. */
    author: identity,
    /** Committer of the factory's commits (default: the author). */
    committer: identity.optional(),
    /** The branch patches start from and merge into (default: the remote's HEAD). */
    baseBranch: z.string().optional(),
    /** First segment of every patch branch (default `pf`). */
    branchPrefix: z.string().default('pf'),
    /** The git executable (default `git`). */
    gitBinary: z
      .string()
      .regex(/^[A-Za-z0-9/._~-]+$/, 'expected a plain path to git')
      .default('git'),
    /**
     * Credentials for an https remote (a GitHub token: username `x-access-token`). Handed to git
     * through its credential protocol, only on commands that reach the remote; never in the URL,
     * an argument, the clone's config or a log.
     */
    httpAuth: z
      .object({
        username: z
          .string()
          .regex(/^[A-Za-z0-9._@-]{1,100}$/, 'expected a plain user name')
          .default('x-access-token'),
        token: z
          .string()
          .min(1, 'the token is empty')
          .max(1000)
          .regex(/^[\x21-\x7e]+$/, 'the token has characters a token cannot have'),
      })
      .strict()
      .optional(),
    /** A git process silent for this long is killed (default 120 s). */
    timeoutMs: z.number().int().min(1_000).max(3_600_000).default(120_000),
  })
  .strict()
  .refine((c) => c.httpAuth === undefined || /^https?:\/\//.test(c.remoteUrl), {
    message: 'httpAuth is only for an https:// remote',
    path: ['httpAuth'],
  });

export type CatalogWorkspaceConfig = z.input<typeof CatalogWorkspaceConfigSchema>;
