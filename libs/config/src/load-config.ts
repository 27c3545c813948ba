import { EnvSchema, type Env } from './env.schema';

/** A configuration value the service cannot start with; names the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super('invalid configuration: ' + problems.map((p) => `${p.variable}: ${p.message}`).join('; '));
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
    if ((parsed.data.PF_REGISTRY_USERNAME === undefined) !== (parsed.data.PF_REGISTRY_PASSWORD === undefined)) {
      const missing = parsed.data.PF_REGISTRY_USERNAME === undefined ? 'PF_REGISTRY_USERNAME' : 'PF_REGISTRY_PASSWORD';
      throw new ConfigError([
        {
          variable: missing,
          message: 'PF_REGISTRY_USERNAME and PF_REGISTRY_PASSWORD go together: set both or neither',
        },
      ]);
    }
    return parsed.data;
  }
  throw new ConfigError(
    parsed.error.issues.map((i) => ({
      variable: String(i.path[0] ?? '(environment)'),
      message: `${i.message} (got ${shown(String(i.path[0]), env[String(i.path[0])])})`,
    })),
  );
}

/** A value for an error message; secrets are never echoed. */
function shown(variable: string, value: string | undefined): string {
  if (value === undefined) return 'nothing';
  if (/SECRET|TOKEN|PASSWORD|PASSPHRASE/.test(variable)) return `a value of ${value.length} characters, not shown`;
  // A URL's password (redis://pf:<password>@host) is a secret too.
  return JSON.stringify(value.replace(/(\/\/[^/@:\s]*):[^/@\s]*@/g, '$1:***@'));
}
