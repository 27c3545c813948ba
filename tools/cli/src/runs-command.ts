import { RUN_STATES } from '@patch-factory/contracts';
import { boolFlag, choiceFlag, expectPositionals, intFlag, stringFlag } from './args';
import { decode, RunListSchema } from './api-responses';
import { checkDefinition, type Command } from './command';
import { ago, duration, table } from './format';
import { currentStage, runDuration } from './run-summary';
import { safeJson, safeText } from './terminal-text';

export const runsCommand: Command = {
  name: 'runs',
  synopsis: '[--state STATE] [--definition PATH] [--limit N] [--json]',
  summary: 'list pipeline runs, newest first',
  help: [
    `--state STATE      only runs in this state: ${RUN_STATES.join(', ')}`,
    '--definition PATH  only runs of this definition file (e.g. image/node/debian/22.yaml)',
    '--limit N          at most N runs (1 to 1000; the API default otherwise)',
    '--json             the API answer as JSON',
  ],
  flags: { state: 'string', definition: 'string', limit: 'string', json: 'boolean' },
  async run(args, ctx) {
    expectPositionals(args, [], 'runs');
    const state = choiceFlag(args, 'state', RUN_STATES, 'runs');
    const definitionFlag = stringFlag(args, 'definition');
    const definition =
      definitionFlag === undefined ? undefined : checkDefinition(definitionFlag, '--definition', 'runs');
    const limit = intFlag(args, 'limit', 1, 1000, 'runs');
    const body = await ctx.api.get('runs', { state, definition, limit });
    const { runs } = decode(RunListSchema, body, 'run list');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    if (runs.length === 0) return ctx.print('no runs');
    const rows = runs.map((run) => {
      const took = runDuration(run, ctx.now);
      return [
        safeText(run.id, 300),
        safeText(run.state),
        safeText(currentStage(run) ?? '-'),
        safeText(run.definition, 200),
        ago(run.createdAt, ctx.now),
        took.finished ? duration(took.ms) : `${duration(took.ms)}…`,
      ];
    });
    ctx.print(...table(['ID', 'STATE', 'STAGE', 'DEFINITION', 'AGE', 'DURATION'], rows));
  },
};
