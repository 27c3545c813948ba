import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CONFIG, type Env } from '@patch-factory/config';
import { TerminalError } from '@patch-factory/contracts';
import type { StageContext, StageExecutor, StageResult } from '@patch-factory/pipeline';
import { REDIS_CONNECTION } from '@patch-factory/queue';
import { TestEffects } from './test-effects';

/** Sleeps; stops early on abort unless PF_TEST_IGNORE_ABORT=1 (an executor that will not stop). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    if (process.env['PF_TEST_IGNORE_ABORT'] === '1') return;
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/**
 * The executor the backbone tests register for every stage. Each execution (keyed by
 * ctx.idempotencyKey and its fencing token ctx.executionToken) is recorded, and so is its side
 * effect, optionally after a delay (PF_TEST_STAGE_DELAY_MS). It does NOT deduplicate effects
 * itself: an execution repeated after a crash has its effect again, and the tests check
 * through the run store that exactly one execution's completion was accepted (TestEffects).
 * It misbehaves on purpose for definitions under `poison/`:
 *   poison/throw-<stage>.yaml     throws at <stage> on every attempt
 *   poison/terminal-<stage>.yaml  throws a TerminalError at <stage>
 *   poison/crash-<stage>.yaml     kills its own process (SIGKILL) at <stage>
 * until the test "cures" the definition (TestEffects.cure). The stages named in
 * PF_TEST_AWAIT_STAGES park the run (StageResult.await) after their effect; the stage named in
 * PF_TEST_GATE_FAIL_STAGE fails every run with a TerminalError shaped like a failed gate. While it works, the key
 * active:<pid> counts the jobs this process holds and holding:<pid> names them.
 */
@Injectable()
export class CountingExecutor implements StageExecutor {
  private readonly effects: TestEffects;
  private readonly delayMs = Number(process.env['PF_TEST_STAGE_DELAY_MS'] ?? 0);
  private readonly awaitStages = (process.env['PF_TEST_AWAIT_STAGES'] ?? '').split(',').filter(Boolean);
  private readonly gateFailStage = process.env['PF_TEST_GATE_FAIL_STAGE'];

  constructor(
    @Inject(REDIS_CONNECTION) private readonly redis: Redis,
    @Inject(CONFIG) config: Env,
  ) {
    this.effects = new TestEffects(redis, config.PF_PREFIX);
  }

  async execute(ctx: StageContext): Promise<StageResult> {
    const token = ctx.executionToken ?? `untokened-${randomUUID()}`;
    const active = this.effects.key(`active:${process.pid}`);
    const holding = this.effects.key(`holding:${process.pid}`);
    // The execution is recorded in the same step as the process taking it up, so that a kill
    // that finds the key in holding:<pid> finds the execution recorded too.
    await this.redis
      .multi()
      .incr(this.effects.key(`calls:${ctx.runId}`))
      .hset(this.effects.key(`executions:${ctx.idempotencyKey}`), token, `${ctx.attempt}:${process.pid}`)
      .incr(active)
      .sadd(holding, ctx.idempotencyKey)
      .exec();
    try {
      return await this.work(ctx, token);
    } finally {
      await this.redis.multi().decr(active).srem(holding, ctx.idempotencyKey).exec();
    }
  }

  /** The stage's delay; with PF_TEST_PROGRESS_EVERY_MS, reporting progress that often meanwhile (a busy, live stage). */
  private async sleepReporting(ctx: StageContext): Promise<void> {
    const every = Number(process.env['PF_TEST_PROGRESS_EVERY_MS'] ?? 0);
    if (!(every > 0)) return sleep(this.delayMs, ctx.signal);
    const steps = Math.ceil(this.delayMs / every);
    for (let done = 0; done < steps && !ctx.signal.aborted; done++) {
      ctx.progress({ what: `test ${ctx.stage}`, done, total: steps });
      await sleep(Math.min(every, this.delayMs - done * every), ctx.signal);
    }
  }

  private async work(ctx: StageContext, token: string): Promise<StageResult> {
    const poison = /^poison\/(throw|terminal|crash)-([a-z]+)\.yaml$/.exec(ctx.definition);
    const cured = poison ? await this.redis.exists(this.effects.key(`cured:${ctx.definition}`)) : 1;
    if (poison && poison[2] === ctx.stage && !cured) {
      if (poison[1] === 'crash') process.kill(process.pid, 'SIGKILL');
      if (poison[1] === 'terminal')
        throw new TerminalError('test-poison', `poison definition refuses stage ${ctx.stage}`);
      throw new Error(`poison definition fails stage ${ctx.stage} (attempt ${ctx.attempt})`);
    }
    if (this.gateFailStage === ctx.stage) {
      throw new TerminalError(
        'gate-new-fixable-vulnerability',
        `${ctx.definition}: 1 new fixable vulnerability at a failing severity (critical, high): CVE-2099-4242 in test-pkg 1.0 (fixed in 1.1)`,
      );
    }
    if (this.delayMs > 0) await this.sleepReporting(ctx);
    // The effect of this execution and its record, in one atomic step (no deduplication here:
    // a second execution of the stage has its effect again, under its own token).
    await this.redis
      .multi()
      .hset(this.effects.key(`effect:${ctx.idempotencyKey}`), token, String(ctx.attempt))
      .sadd(this.effects.key(`effected:${ctx.runId}`), ctx.idempotencyKey)
      .exec();
    const artifacts = { [`${ctx.stage}.attempt`]: String(ctx.attempt) };
    // PF_TEST_AWAIT_STAGES: stages that park the run until an outside event resumes it.
    if (this.awaitStages.includes(ctx.stage))
      return { artifacts, await: { reason: `test: ${ctx.stage} waits for an outside event` } };
    return { artifacts };
  }
}
