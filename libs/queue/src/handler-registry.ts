import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { isJobName, type JobName } from '@patch-factory/contracts';
import type { JobHandler } from './on-job.decorator';
import { ON_JOB_METADATA } from './on-job.decorator';
import { QUEUE_OPTIONS, type QueueModuleOptions } from './queue.options';

/** The service cannot start: its jobs and its handlers do not match. */
export class HandlerRegistrationError extends Error {
  constructor(service: string, problems: string[]) {
    super(`service ${service} cannot start: ${problems.join('; ')}`);
    this.name = 'HandlerRegistrationError';
  }
}

export interface FoundHandler {
  job: string;
  owner: string;
}

/** Checks that every owned job has exactly one handler and no handler serves a job not owned. */
export function validateHandlers(service: string, owns: readonly JobName[], found: readonly FoundHandler[]): void {
  const problems: string[] = [];
  for (const job of owns) {
    const mine = found.filter((h) => h.job === job);
    if (mine.length === 0) problems.push(`job "${job}" has no @OnJob handler`);
    if (mine.length > 1)
      problems.push(`job "${job}" has ${mine.length} handlers (${mine.map((h) => h.owner).join(', ')})`);
  }
  for (const h of found) {
    if (!isJobName(h.job)) problems.push(`${h.owner} handles "${h.job}", which is not a job in libs/contracts`);
    else if (!owns.includes(h.job)) problems.push(`${h.owner} handles "${h.job}", which this service does not own`);
  }
  if (problems.length > 0) throw new HandlerRegistrationError(service, problems);
}

/** Finds the @OnJob handlers of the application and validates them at boot. */
@Injectable()
export class HandlerRegistry implements OnModuleInit {
  private readonly handlers = new Map<JobName, JobHandler<JobName>>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueModuleOptions,
  ) {}

  onModuleInit(): void {
    const found: (FoundHandler & { fn: JobHandler<JobName> })[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      const proto = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const fn = (instance as Record<string, unknown>)[method];
        if (typeof fn !== 'function') continue;
        const job = this.reflector.get<string | undefined>(ON_JOB_METADATA, fn);
        if (!job) continue;
        found.push({
          job,
          owner: `${instance.constructor.name}.${method}`,
          fn: fn.bind(instance) as JobHandler<JobName>,
        });
      }
    }
    validateHandlers(this.options.service, this.options.owns, found);
    for (const h of found) this.handlers.set(h.job as JobName, h.fn);
  }

  get(job: JobName): JobHandler<JobName> | undefined {
    return this.handlers.get(job);
  }
}
