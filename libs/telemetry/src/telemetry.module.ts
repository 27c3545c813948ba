import { Global, Module, type DynamicModule } from '@nestjs/common';
import { createLogger } from './logger';
import { FactoryMetrics } from './metrics';

export const LOGGER = Symbol('patch-factory.logger');

/** Provides the process's logger (LOGGER) and its Prometheus metrics (FactoryMetrics). */
@Global()
@Module({})
export class TelemetryModule {
  static forRoot(options: { service: string; logLevel: string }): DynamicModule {
    return {
      module: TelemetryModule,
      providers: [
        { provide: LOGGER, useValue: createLogger(options.service, options.logLevel) },
        { provide: FactoryMetrics, useValue: new FactoryMetrics(options.service) },
      ],
      exports: [LOGGER, FactoryMetrics],
    };
  }
}
