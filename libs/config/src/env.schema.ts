import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const ms = (def: number, min = 1) => z.coerce.number().int().min(min).max(86_400_000).default(def);

/** Every environment variable the factory reads, with its default. Parsed once at boot. */
export const EnvSchema = z.object({
  PF_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, 'expected redis://host:port[/db] or rediss://…')
    .default('redis://127.0.0.1:6379'),
  PF_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected 1–32 lower-case letters, digits or dashes')
    .default('pf'),
  PF_REDIS_ALLOW_NO_AOF: bool.default(false),
  PF_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  PF_HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  PF_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PF_TRACES_EXPORTER: z.enum(['none', 'otlp', 'file', 'console']).default('none'),
  PF_TRACES_FILE: z.string().min(1).optional(),
  PF_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  PF_LOCK_DURATION_MS: ms(30_000, 500).optional(),
  PF_STALLED_INTERVAL_MS: ms(30_000, 500).optional(),
  PF_BACKOFF_DELAY_MS: ms(1_000).optional(),
  PF_SHUTDOWN_TIMEOUT_MS: ms(25_000),
  PF_PROGRESS_TIMEOUT_MS: ms(300_000),
  PF_DLQ_SWEEP_MS: ms(10_000, 100),
  /** The secret GitHub signs webhook deliveries with (X-Hub-Signature-256); unset: webhooks are refused. */
  PF_GITHUB_WEBHOOK_SECRET: z.string().min(16, 'expected at least 16 characters').max(256).optional(),
});

export type Env = z.infer<typeof EnvSchema>;
