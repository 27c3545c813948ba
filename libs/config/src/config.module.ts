import { Global, Module } from '@nestjs/common';
import type { Env } from './env.schema';
import { loadConfig } from './load-config';

/** Injection token of the parsed configuration. */
export const CONFIG = Symbol('patch-factory.config');

/** Provides the configuration parsed once at boot (or the one given). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: Env = loadConfig()) {
    return {
      module: ConfigModule,
      providers: [{ provide: CONFIG, useValue: Object.freeze({ ...config }) }],
      exports: [CONFIG],
    };
  }
}
