import { PipelineRunSchema, type PipelineRun } from '@patch-factory/contracts';
import { boolFlag, expectPositionals } from './args';
import { decode } from './api-responses';
import { checkId, resourcePath, type Command } from './command';
import { ago, duration, isoTime, table } from './format';
import { runDuration } from './run-summary';
import { safeJson, safeText } from './terminal-text';

export const runCommand: Command = {
  name: 'run',
  synopsis: '<id> [--json]',
  summary: 'one run: its header and stage timeline',
  help: [
    'Shows the run (definition, trigger, state, times, trace id, error) and each stage with its',
    'status, attempts, start offset from the run start, duration, error and artifacts.',
    '--json  the API answer as JSON',
  ],
  flags: { json: 'boolean' },
  async run(args, ctx) {
    const [raw] = expectPositionals(args, ['id'], 'run') as [string];
    const id = checkId(raw, 'run id', 'run');
    const body = await ctx.api.get(resourcePath('runs', id));
    const run = decode(PipelineRunSchema, body, 'run');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    ctx.print(...header(run, ctx.now), '', ...timeline(run, ctx.now));
  },
};

function header(run: PipelineRun, now: number): string[] {
  const took = runDuration(run, now);
  const fields: [string, string][] = [
    ['run', safeText(run.id, 300)],
    ['definition', safeText(run.definition, 600)],
    ['trigger', safeText(run.trigger.kind) + (run.trigger.ref ? ` ${safeText(run.trigger.ref, 600)}` : '')],
    ['state', safeText(run.state)],
    ['created', `${isoTime(run.createdAt)} (${ago(run.createdAt, now)})`],
    run.finishedAt !== undefined
      ? ['finished', `${isoTime(run.finishedAt)} (took ${duration(took.ms)})`]
      : ['updated', `${isoTime(run.updatedAt)} (running for ${duration(took.ms)})`],
  ];
  if (run.traceId) fields.push(['trace', safeText(run.traceId, 100)]);
  if (run.error) {
    const at = run.error.stage ? ` at ${safeText(run.error.stage)}` : '';
    fields.push(['error', `${safeText(run.error.code, 100)}${at}: ${safeText(run.error.message)}`]);
  }
  return fields.map(([k, v]) => `${k.padEnd(10)}  ${v}`);
}

/** One table row per stage, each followed by indented lines for its error, wait and artifacts. */
function timeline(run: PipelineRun, now: number): string[] {
  const rows = run.stages.map((s) => {
    const start = s.startedAt !== undefined ? `+${duration(s.startedAt - run.createdAt)}` : '-';
    let took = '-';
    if (s.durationMs !== undefined) took = duration(s.durationMs);
    else if (s.status === 'running' && s.startedAt !== undefined) took = `${duration(now - s.startedAt)}…`;
    else if (s.finishedAt !== undefined && s.startedAt !== undefined && s.finishedAt >= s.startedAt)
      took = duration(s.finishedAt - s.startedAt);
    return [safeText(s.stage), safeText(s.status), String(s.attempts), start, took];
  });
  const [head, ...lines] = table(['STAGE', 'STATUS', 'ATTEMPTS', 'START', 'DURATION'], rows);
  const out = [head as string];
  run.stages.forEach((s, i) => {
    out.push(lines[i] as string);
    if (s.error) out.push(`    error ${safeText(s.error.code, 100)}: ${safeText(s.error.message)}`);
    if (s.awaiting) out.push(`    awaiting ${safeText(s.awaiting)}`);
    for (const [k, v] of Object.entries(s.artifacts)) out.push(`    ${safeText(k, 200)} = ${safeText(v, 1000)}`);
  });
  return out;
}
