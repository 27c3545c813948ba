import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigModule, loadConfig, type Env } from '@patch-factory/config';
import { LOGGER, TelemetryModule, startTracing, stopTracing, type Logger } from '@patch-factory/telemetry';
import { AuditLog } from '@patch-factory/store';
import { auditMiddleware } from './access';
import { HTTP_TIMEOUTS, allowedHostNames, httpRequestGuard } from './http-request.guard';
import { PipelineModule, type PipelineModuleOptions } from './pipeline.module';

export interface ServiceSpec {
  /** A ServiceName, or a test worker's own name. */
  service: string;
  /** HTTP port when PF_HTTP_PORT is not set (health, metrics, API). */
  defaultPort: number;
  pipeline: Omit<PipelineModuleOptions, 'service'>;
  /** Further Nest modules of the service (e.g. the operator API). */
  imports?: ModuleMetadata['imports'];
}

/** The Nest application module of a service: config, telemetry, the backbone, its own modules. */
export function serviceModule(spec: ServiceSpec, config: Env): DynamicModule {
  @Module({})
  class ServiceAppModule {}
  return {
    module: ServiceAppModule,
    imports: [
      ConfigModule.forRoot(config),
      TelemetryModule.forRoot({ service: spec.service, logLevel: config.PF_LOG_LEVEL }),
      PipelineModule.forService({ service: spec.service, ...spec.pipeline }),
      ...(spec.imports ?? []),
    ],
  };
}

/**
 * True for the routes whose bodies stay raw bytes, their signature being over the exact bytes:
 * the inbound GitHub webhook only (the outbound webhooks' routes, /webhooks/subscriptions…, take JSON).
 */
export function isRawBodyRoute(url: string | undefined): boolean {
  return /^\/webhooks\/github(?:[/?]|$)/.test(url ?? '');
}

/**
 * Boots a service: configuration (a bad value stops it naming the variable), tracing,
 * the Nest app with its HTTP endpoints, and a bounded graceful shutdown on SIGTERM/SIGINT.
 */
export async function bootstrapService(spec: ServiceSpec): Promise<INestApplication> {
  let config: Env;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${spec.service}: ${(error as Error).message}\n`);
    process.exit(78);
  }
  startTracing({
    service: spec.service,
    exporter: config.PF_TRACES_EXPORTER,
    ...(config.PF_TRACES_FILE ? { file: config.PF_TRACES_FILE } : {}),
  });
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(serviceModule(spec, config), {
      logger: ['error', 'warn'],
      bodyParser: false,
      // Report boot errors ourselves (Nest would abort the process with a core dump).
      abortOnError: false,
    });
    // Webhook bodies stay raw bytes (their signature is over the exact bytes), up to 1 MiB;
    // every other route parses JSON of at most 32 KiB.
    // No framework banner; the Host/Origin/form-body checks and a request id come before any route or body parser.
    app.disable('x-powered-by');
    // The audit log sees every write's answer (refusals of the guards below included).
    app.use(auditMiddleware(app.get(AuditLog), app.get<Logger>(LOGGER)));
    app.use(httpRequestGuard(allowedHostNames(config.PF_HTTP_HOST, config.PF_HTTP_ALLOWED_HOSTS)));
    app.useBodyParser('raw', {
      type: (req: { url?: string }) => isRawBodyRoute(req.url),
      limit: '1mb',
    });
    app.useBodyParser('json', { limit: '32kb' });
    const server = app.getHttpServer();
    server.requestTimeout = HTTP_TIMEOUTS.requestTimeoutMs;
    server.headersTimeout = HTTP_TIMEOUTS.headersTimeoutMs;
    server.keepAliveTimeout = HTTP_TIMEOUTS.keepAliveTimeoutMs;
    await app.listen(config.PF_HTTP_PORT ?? spec.defaultPort, config.PF_HTTP_HOST);
  } catch (error) {
    process.stderr.write(`${spec.service} cannot start: ${(error as Error).message}\n`);
    await stopTracing().catch(() => undefined);
    process.exit(1);
  }
  const logger = app.get<Logger>(LOGGER);
  const address = app.getHttpServer().address() as { port: number } | null;
  // Always written, whatever PF_LOG_LEVEL: operators and test harnesses wait for this line.
  logger.child({}, { level: 'info' }).info({ port: address?.port, pid: process.pid }, 'service started');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => process.exit(1), config.PF_SHUTDOWN_TIMEOUT_MS + 15_000);
    hardStop.unref();
    void app
      .close()
      .then(() => stopTracing())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: (error as Error).message }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return app;
}
