import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import { DeliveryRepository, EventStore, SubscriptionRepository } from '@patch-factory/notifying';
import { auditMiddleware, isRawBodyRoute, serviceModule } from '@patch-factory/pipeline';
import { ApiTokenRepository, AuditLog, type Scope } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import { ApiClient, dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { ApiModule } from '../api.module';

/** The operator API as the api service runs it, on the real store and queues of a fresh test prefix. */
export interface WebhooksApiApp {
  app: NestExpressApplication;
  prefix: string;
  redis: Redis;
  /** A client with the bootstrap admin token. */
  admin: ApiClient;
  /** A client whose token has `scopes`, created under `name` (the owner of what it subscribes). */
  client(name: string, scopes: readonly Scope[]): Promise<ApiClient>;
  /** A client without a token. */
  anonymous: ApiClient;
  events: EventStore;
  deliveries: DeliveryRepository;
  subscriptions: SubscriptionRepository;
  close(): Promise<void>;
}

/** A PF_WEBHOOK_SECRET_KEYS value: one fresh key. */
export const secretKeys = (): string => `k1:${randomBytes(32).toString('base64')}`;

/**
 * Starts the API (serviceModule + ApiModule, the real access guard, audit middleware and body
 * parsers as bootstrapService sets them) with `env` over a test prefix of the shared Redis.
 */
export async function startWebhooksApi(env: Record<string, string | undefined> = {}): Promise<WebhooksApiApp> {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: 1 });
  const tokens = new ApiTokenRepository(redis, prefix);
  // A token exists before the start, so the app makes no bootstrap admin token (nor prints one).
  const adminToken = (await tokens.create('operator-admin', ['admin'], 'test')).token;
  const config = loadConfig({
    PF_PREFIX: prefix,
    PF_REDIS_URL: sharedRedisUrl(),
    PF_LOG_LEVEL: 'silent',
    PF_WEBHOOK_SECRET_KEYS: secretKeys(),
    ...env,
  });
  const app = await NestFactory.create<NestExpressApplication>(
    serviceModule(
      {
        service: 'api-webhooks-test',
        defaultPort: 0,
        pipeline: { stages: [], profile: 'producer' },
        imports: [ApiModule],
      },
      config,
    ),
    { logger: false, bodyParser: false, abortOnError: false },
  );
  // As bootstrapService: the audit log, raw bytes for the GitHub webhook only, JSON elsewhere.
  app.use(auditMiddleware(app.get(AuditLog), app.get<Logger>(LOGGER)));
  app.useBodyParser('raw', {
    type: (req: { url?: string }) => isRawBodyRoute(req.url),
    limit: '1mb',
  });
  app.useBodyParser('json', { limit: '32kb' });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    app,
    prefix,
    redis,
    admin: ApiClient.onPort(port, adminToken),
    anonymous: ApiClient.onPort(port),
    client: async (name, scopes) => ApiClient.onPort(port, (await tokens.create(name, [...scopes], 'test')).token),
    events: app.get(EventStore),
    deliveries: app.get(DeliveryRepository),
    subscriptions: app.get(SubscriptionRepository),
    close: async () => {
      await app.close();
      redis.disconnect();
      await dropPrefix(sharedRedisUrl(), prefix);
    },
  };
}
