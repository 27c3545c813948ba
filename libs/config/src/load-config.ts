import { EnvSchema, type Env } from './env.schema';

/** A configuration value the service cannot start with; names the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      'invalid configuration: ' +
        problems.map((p) => `${p.variable}: ${p.message}`).join('; '),
    );
    this.name = 'ConfigError';
  }
}

/** Validates the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(env);
  if (parsed.success) {
    if (parsed.data.PF_TRACES_EXPORTER === 'file' && !parsed.data.PF_TRACES_FILE) {
      throw new ConfigError([{ variable: 'PF_TRACES_FILE', message: 'required when PF_TRACES_EXPORTER=file' }]);
    }
    return parsed.data;
  }
  throw new ConfigError(
    parsed.error.issues.map((i) => ({
      variable: String(i.path[0] ?? '(environment)'),
      message: `${i.message} (got ${JSON.stringify(env[String(i.path[0])] ?? null)})`,
    })),
  );
}
