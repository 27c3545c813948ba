import { randomUUID } from 'node:crypto';
import { ApiError, type ApiClient } from './api-client';
import { UsageError, boolFlag, choiceFlag, expectPositionals, stringFlag } from './args';
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
    '--idempotency-key KEY',
    '              names this request (1 to 255 visible ASCII characters; default: a new UUID):',
    '              the same key again within 24 h answers the first run instead of starting another.',
    '              Unreachable API or 502/503/504: retried with the same key (3 tries in all).',
    '--json        the API answer as JSON',
  ],
  flags: { from: 'string', to: 'string', json: 'boolean', 'idempotency-key': 'string' },
  async run(args, ctx) {
    const [raw] = expectPositionals(args, ['definition'], 'trigger') as [string];
    const definition = checkDefinition(raw, 'definition', 'trigger');
    const from = choiceFlag(args, 'from', RUN_STAGE_NAMES, 'trigger');
    const to = choiceFlag(args, 'to', RUN_STAGE_NAMES, 'trigger');
    if (from && to && RUN_STAGE_NAMES.indexOf(from) > RUN_STAGE_NAMES.indexOf(to)) {
      throw new UsageError(
        `--from ${from} comes after --to ${to} (stages run ${RUN_STAGE_NAMES.join(' → ')})`,
        'trigger',
      );
    }
    const key = stringFlag(args, 'idempotency-key') ?? randomUUID();
    if (!/^[\x21-\x7e]{1,255}$/.test(key))
      throw new UsageError(
        '--idempotency-key must be 1 to 255 visible ASCII characters (a UUID, for example)',
        'trigger',
      );
    const body = await postWithRetries(ctx.api, { definition, ...(from ? { from } : {}), ...(to ? { to } : {}) }, key);
    const started = decode(TriggeredRunSchema, body, 'trigger answer');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    ctx.print(`run    ${safeText(started.runId, 300)}`, `trace  ${safeText(started.traceId || '-', 100)}`);
  },
};

/** Tries in all when the API cannot be reached or answers 502/503/504 (the same key each time: one run at most). */
const TRIES = 3;

/**
 * POST /runs with an Idempotency-Key, retried on what may pass (the API unreachable, a gateway
 * or the API unavailable, e.g. while Redis restarts) after 1 s, then 2 s. The key makes a retry of
 * a request whose answer was lost safe: the API answers the run the first try created.
 */
async function postWithRetries(api: ApiClient, body: object, key: string): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.post('runs', body, { 'idempotency-key': key });
    } catch (error) {
      const transient =
        error instanceof ApiError &&
        (error.code === 'api-unreachable' || (error.status !== undefined && [502, 503, 504].includes(error.status)));
      if (!transient || attempt >= TRIES) throw error;
      await new Promise((r) => setTimeout(r, 1_000 * 2 ** (attempt - 1)));
    }
  }
}
