import { UsageError, boolFlag, choiceFlag, expectPositionals } from './args';
import { decode, TriggeredRunSchema } from './api-responses';
import { RUN_STAGE_NAMES, checkDefinition, type Command } from './command';
import { safeJson, safeText } from './terminal-text';

export const triggerCommand: Command = {
  name: 'trigger',
  synopsis: '<definition> [--from STAGE] [--to STAGE] [--json]',
  summary: 'start a run; prints its run id and trace id',
  help: [
    '<definition>  a definition file in the catalog, e.g. image/node/debian/22.yaml',
    `--from STAGE  first stage (default plan): ${RUN_STAGE_NAMES.join(', ')}`,
    '--to STAGE    last stage (default notify)',
    '--json        the API answer as JSON',
  ],
  flags: { from: 'string', to: 'string', json: 'boolean' },
  async run(args, ctx) {
    const [raw] = expectPositionals(args, ['definition'], 'trigger') as [string];
    const definition = checkDefinition(raw, 'definition', 'trigger');
    const from = choiceFlag(args, 'from', RUN_STAGE_NAMES, 'trigger');
    const to = choiceFlag(args, 'to', RUN_STAGE_NAMES, 'trigger');
    if (from && to && RUN_STAGE_NAMES.indexOf(from) > RUN_STAGE_NAMES.indexOf(to)) {
      throw new UsageError(`--from ${from} comes after --to ${to} (stages run ${RUN_STAGE_NAMES.join(' → ')})`, 'trigger');
    }
    const body = await ctx.api.post('runs', { definition, ...(from ? { from } : {}), ...(to ? { to } : {}) });
    const started = decode(TriggeredRunSchema, body, 'trigger answer');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    ctx.print(`run    ${safeText(started.runId, 300)}`, `trace  ${safeText(started.traceId || '-', 100)}`);
  },
};
