import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { AccessGuard } from '@patch-factory/pipeline';
import { ApiTokenRepository, RequestRateLimiter, RequireScope, ROLES } from '@patch-factory/store';
import { percentile, table } from './bench-util';
import { deletePrefix } from './bench-redis';

/**
 * `npm run bench:auth` (issue 14): the cost of authentication per request. Two Nest apps in
 * this process serve the same read route over HTTP on loopback: one behind the factory's
 * AccessGuard (bearer token checked against its hash in Redis, the token's rate counted in
 * Redis, the scope checked), one without a guard: the baseline. Requests alternate between
 * them (keep-alive, one at a time) so the machine's noise hits both alike; prints p50/p99 of
 * each, the difference and the ratio. Knobs: BENCH_REQUESTS (4000 per side), PF_REDIS_URL.
 */
const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 4000);
const REDIS_URL = process.env['PF_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PREFIX = `bench-auth-${process.pid}`;

@Controller()
class ReadController {
  @Get('read')
  @RequireScope('read')
  read(): { ok: true } {
    return { ok: true };
  }
}

async function serve(redis: Redis, guarded: boolean): Promise<{ app: INestApplication; url: string }> {
  @Module({
    controllers: [ReadController],
    providers: guarded
      ? [
          { provide: ApiTokenRepository, useValue: new ApiTokenRepository(redis, PREFIX) },
          { provide: RequestRateLimiter, useValue: new RequestRateLimiter(redis, PREFIX, 1_000_000) },
          { provide: APP_GUARD, useClass: AccessGuard },
        ]
      : [],
  })
  class BenchModule {}
  const app = await NestFactory.create(BenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}/read` };
}

async function timed(url: string, headers: Record<string, string>): Promise<number> {
  const t = process.hrtime.bigint();
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const { token } = await new ApiTokenRepository(redis, PREFIX).create('bench', ROLES.reader, 'bench');
  const [auth, open] = [await serve(redis, true), await serve(redis, false)];
  try {
    const bearer = { authorization: `Bearer ${token}` };
    // Warm-up: JIT, connections, Redis.
    for (let i = 0; i < 300; i++) {
      await timed(auth.url, bearer);
      await timed(open.url, {});
    }
    const withAuth: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      withAuth.push(await timed(auth.url, bearer));
      without.push(await timed(open.url, {}));
    }
    const row = (name: string, xs: number[]) => [name, percentile(xs, 50).toFixed(3), percentile(xs, 99).toFixed(3)];
    console.log(
      `bench:auth: ${REQUESTS} GET requests per side, alternating, one at a time, loopback, Redis ${new URL(REDIS_URL).host}`,
    );
    console.log(
      table(
        ['side', 'p50 ms', 'p99 ms'],
        [row('with auth (AccessGuard)', withAuth), row('without (no guard)', without)],
      ),
    );
    const [p50a, p50b, p99a, p99b] = [
      percentile(withAuth, 50),
      percentile(without, 50),
      percentile(withAuth, 99),
      percentile(without, 99),
    ];
    console.log(
      `auth adds p50 ${(p50a - p50b).toFixed(3)} ms (${(p50a / p50b).toFixed(2)}×), p99 ${(p99a - p99b).toFixed(3)} ms (${(p99a / p99b).toFixed(2)}×)`,
    );
  } finally {
    await auth.app.close();
    await open.app.close();
    await deletePrefix(redis, PREFIX);
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
