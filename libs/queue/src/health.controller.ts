import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PublicRoute, RequireScope } from '@patch-factory/store';
import { FactoryMetrics } from '@patch-factory/telemetry';
import { HealthService } from './health.service';

/**
 * /health/live fails (503) when the service has pending work and has made no progress
 * for PF_PROGRESS_TIMEOUT_MS; /health/ready also fails while Redis is unreachable or the
 * service is shutting down (both without a token). /metrics serves Prometheus metrics to a
 * token with the `read` scope.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: FactoryMetrics,
  ) {}

  @Get('health/live')
  @PublicRoute()
  async live(@Res() res: Response): Promise<void> {
    const report = await this.health.report();
    res.status(report.status === 'stalled' ? 503 : 200).json(report);
  }

  @Get('health/ready')
  @PublicRoute()
  async ready(@Res() res: Response): Promise<void> {
    const report = await this.health.report();
    res.status(report.status === 'ok' && !report.closing ? 200 : 503).json(report);
  }

  @Get('metrics')
  @RequireScope('read')
  @HttpCode(200)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
