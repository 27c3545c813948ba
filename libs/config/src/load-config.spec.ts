import { EnvSchema } from './env.schema';
import { ConfigError, loadConfig } from './load-config';

describe('configuration, read once at boot', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PF_REDIS_URL: 'redis://127.0.0.1:6379',
      PF_PREFIX: 'pf',
      PF_WORKER_CONCURRENCY: 4,
      PF_REDIS_ALLOW_NO_AOF: false,
    });
  });

  it('leaves the job-lock, stall-check and backoff overrides unset unless given (the job-options table decides)', () => {
    const c = loadConfig({});
    expect(c.PF_LOCK_DURATION_MS).toBeUndefined();
    expect(c.PF_STALLED_INTERVAL_MS).toBeUndefined();
    expect(c.PF_BACKOFF_DELAY_MS).toBeUndefined();
    expect(c.PF_SUSPECT_ISOLATION_MS).toBe(30_000);
    const set = loadConfig({ PF_LOCK_DURATION_MS: '1500', PF_STALLED_INTERVAL_MS: '1000', PF_BACKOFF_DELAY_MS: '100' });
    expect(set).toMatchObject({ PF_LOCK_DURATION_MS: 1500, PF_STALLED_INTERVAL_MS: 1000, PF_BACKOFF_DELAY_MS: 100 });
    expect(() => loadConfig({ PF_LOCK_DURATION_MS: '10' })).toThrow('PF_LOCK_DURATION_MS');
  });

  it('has no optional variable that a default silently fills in', () => {
    // Under zod 4 `.default(x).optional()` always yields x: an "optional" override would never be unset.
    const filled = Object.entries(loadConfig({}))
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    const optional = Object.entries(EnvSchema.shape)
      .filter(([, s]) => s.safeParse(undefined).success && s.def.type === 'optional')
      .map(([k]) => k);
    expect(optional.filter((k) => filled.includes(k))).toEqual([]);
  });

  it('names every bad variable and the value it got', () => {
    let error: unknown;
    try {
      loadConfig({ PF_WORKER_CONCURRENCY: 'lots', PF_REDIS_URL: 'http://x', PF_PREFIX: 'Bad Prefix' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(variables).toEqual(['PF_PREFIX', 'PF_REDIS_URL', 'PF_WORKER_CONCURRENCY']);
    expect((error as Error).message).toContain('PF_WORKER_CONCURRENCY');
    expect((error as Error).message).toContain('"lots"');
  });

  it("never echoes a URL's password in a configuration error (issue 14)", () => {
    let error: unknown;
    try {
      loadConfig({ PF_REDIS_URL: 'rediss://pf:s3cr3t-pw@127.0.0.1:6379 x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('rediss://pf:***@127.0.0.1:6379 x');
    expect((error as Error).message).not.toContain('s3cr3t-pw');
  });

  it('needs a file for the file span exporter', () => {
    expect(() => loadConfig({ PF_TRACES_EXPORTER: 'file' })).toThrow(
      'PF_TRACES_FILE: required when PF_TRACES_EXPORTER=file',
    );
  });

  it('takes registry credentials as a pair and never echoes the password', () => {
    expect(() => loadConfig({ PF_REGISTRY_USERNAME: 'ci' })).toThrow(
      'PF_REGISTRY_PASSWORD: PF_REGISTRY_USERNAME and PF_REGISTRY_PASSWORD go together',
    );
    expect(loadConfig({ PF_REGISTRY_USERNAME: 'ci', PF_REGISTRY_PASSWORD: 'p4ss' })).toMatchObject({
      PF_REGISTRY_USERNAME: 'ci',
      PF_STAGING_PREFIX: 'staging',
    });
    let message = '';
    try {
      loadConfig({ PF_REGISTRY_PASSWORD: '', PF_STAGING_PREFIX: 'Staging Area' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('PF_STAGING_PREFIX');
    expect(message).toContain('PF_REGISTRY_PASSWORD');
    expect(message).toContain('a value of 0 characters, not shown');
  });
});
