import { boolFlag, expectPositionals, intFlag } from './args';
import { decode, DeadLetterListSchema, ReplayedSchema, type DeadLetter } from './api-responses';
import { checkId, resourcePath, type Command } from './command';
import { ago, table } from './format';
import { safeJson, safeText } from './terminal-text';

export const dlqListCommand: Command = {
  name: 'dlq list',
  synopsis: '[--limit N] [--json]',
  summary: 'the dead-letter queue: jobs that failed for good',
  help: ['--limit N  at most N entries (1 to 1000, default 100)', '--json     the API answer as JSON'],
  flags: { limit: 'string', json: 'boolean' },
  async run(args, ctx) {
    expectPositionals(args, [], 'dlq list');
    const limit = intFlag(args, 'limit', 1, 1000, 'dlq list');
    const body = await ctx.api.get('dead-letters', { limit });
    const { entries } = decode(DeadLetterListSchema, body, 'dead-letter list');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    if (entries.length === 0) return ctx.print('the dead-letter queue is empty');
    const rows = entries.map((e) => [
      safeText(e.id, 300),
      safeText(e.jobName, 128),
      safeText(e.errorCode, 64),
      String(e.attemptsMade),
      ago(e.failedAt, ctx.now),
      safeText(e.runId ?? '-', 64),
      safeText(reasonOf(e), 100),
    ]);
    ctx.print(...table(['ID', 'JOB', 'ERROR', 'ATTEMPTS', 'FAILED', 'RUN', 'REASON'], rows));
  },
};

export const dlqReplayCommand: Command = {
  name: 'dlq replay',
  synopsis: '<id> [--json]',
  summary: 'put a dead-lettered job back on its queue',
  help: ['<id>    an entry id from "patch-factory dlq list"', '--json  the API answer as JSON'],
  flags: { json: 'boolean' },
  async run(args, ctx) {
    const [raw] = expectPositionals(args, ['id'], 'dlq replay') as [string];
    const id = checkId(raw, 'dead-letter id', 'dlq replay');
    const body = await ctx.api.post(resourcePath('dead-letters', id, 'replay'));
    const replayed = decode(ReplayedSchema, body, 'replay answer');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    ctx.print(
      `replayed ${safeText(id, 300)}: job ${safeText(replayed.jobId, 256)} (${safeText(replayed.jobName, 128)}) is back on queue ${safeText(replayed.queue, 128)}`,
    );
  },
};

/** The failure reason without the `[code] ` prefix the queue puts in front of it. */
function reasonOf(e: DeadLetter): string {
  const prefix = `[${e.errorCode}] `;
  return e.failedReason.startsWith(prefix) ? e.failedReason.slice(prefix.length) : e.failedReason;
}
