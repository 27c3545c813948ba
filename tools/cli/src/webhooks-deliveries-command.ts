import { UsageError, boolFlag, choiceFlag, expectPositionals, intFlag, stringFlag, type ParsedArgs } from './args';
import { decode } from './api-responses';
import { resourcePath, type Command, type CommandContext } from './command';
import { duration, table } from './format';
import { safeJson, safeText } from './terminal-text';
import {
  DeliveryListSchema,
  DeliveryWithAttemptsSchema,
  ReplayedDeliverySchema,
  agoText,
  checkDeliveryId,
  checkSubscriptionId,
  parseSince,
  whenText,
  type AttemptView,
  type DeliveryView,
} from './webhooks-responses';

/** The delivery states of the log (libs/notifying delivery.repository). */
const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'cancelled'] as const;

/** The last answer of a delivery for a table cell: its status, else its error. */
function lastText(d: DeliveryView): string {
  if (d.lastStatus !== undefined) return String(d.lastStatus);
  return d.lastError ? safeText(d.lastError, 60) : '-';
}

/** One delivery and its attempts, oldest first, each response excerpt after the table. */
function printDelivery(ctx: CommandContext, d: DeliveryView, attempts: readonly AttemptView[]): void {
  const state = d.reason ? `${safeText(d.state, 16)} (${safeText(d.reason, 300)})` : safeText(d.state, 16);
  const optional: [string, string | undefined][] = [
    ['next attempt', d.nextAttemptAt === undefined ? undefined : whenText(d.nextAttemptAt)],
    ['delivered', d.deliveredAt === undefined ? undefined : whenText(d.deliveredAt)],
    ['replay of', d.replayOf === undefined ? undefined : safeText(d.replayOf, 64)],
    ['last status', d.lastStatus === undefined ? undefined : String(d.lastStatus)],
    ['last error', d.lastError ? safeText(d.lastError, 500) : undefined],
  ];
  ctx.print(
    `delivery      ${safeText(d.id, 64)}`,
    `subscription  ${safeText(d.subscriptionId, 64)}`,
    `event         ${safeText(d.eventType, 64)} ${safeText(d.eventId, 128)}`,
    `subject       ${safeText(d.subject, 500)}`,
    `webhook-id    ${safeText(d.messageId, 255)}`,
    `state         ${state}`,
    `attempts      ${d.attempts}`,
    `created       ${whenText(d.createdAt)}`,
    ...optional.filter(([, v]) => v !== undefined).map(([k, v]) => `${k.padEnd(14)}${v as string}`),
  );
  if (attempts.length === 0) return ctx.print('', 'no attempt yet');
  const sorted = [...attempts].sort((a, b) => a.attempt - b.attempt);
  ctx.print(
    '',
    ...table(
      ['ATTEMPT', 'AT', 'OUTCOME', 'STATUS', 'LATENCY', 'ERROR'],
      sorted.map((a) => [
        String(a.attempt),
        whenText(a.at),
        safeText(a.outcome, 16),
        a.status === undefined ? '-' : String(a.status),
        duration(a.latencyMs),
        a.error || a.errorCode ? safeText([a.errorCode, a.error].filter((x) => x).join(': '), 200) : '-',
      ]),
    ),
  );
  const excerpts = sorted.filter((a) => a.excerpt !== '');
  if (excerpts.length === 0) return;
  ctx.print('', 'responses:');
  for (const a of excerpts) {
    ctx.print(`  ${a.attempt}: ${safeText(a.excerpt, 2000)}${a.excerptTruncated ? ' [truncated]' : ''}`);
  }
}

function deliveriesTable(ctx: CommandContext, deliveries: readonly DeliveryView[]): string[] {
  return table(
    ['ID', 'STATE', 'EVENT', 'ATTEMPTS', 'LAST', 'CREATED', 'SUBSCRIPTION', 'SUBJECT'],
    deliveries.map((d) => [
      safeText(d.id, 64),
      safeText(d.state, 16),
      safeText(d.eventType, 64),
      String(d.attempts),
      lastText(d),
      agoText(d.createdAt, ctx.now),
      safeText(d.subscriptionId, 64),
      safeText(d.subject, 200),
    ]),
  );
}

/** `--subscription ID` checked, if given. */
function subscriptionFlag(args: ParsedArgs, command: string): string | undefined {
  const raw = stringFlag(args, 'subscription');
  return raw === undefined ? undefined : checkSubscriptionId(raw, '--subscription', command);
}

const DELIVERIES = 'webhooks deliveries';
export const webhooksDeliveriesCommand: Command = {
  name: DELIVERIES,
  synopsis: '[<delivery-id>] [--subscription ID] [--state S] [--since TIME] [--limit N] [--json]',
  summary: 'the webhook delivery log, newest first; or one delivery with every attempt',
  help: [
    '<delivery-id>      dlv_…: that delivery, its attempts (status, latency, error) and response excerpts',
    '--subscription ID  only deliveries to this subscription (sub_…)',
    `--state S          only deliveries in this state: ${DELIVERY_STATES.join(', ')}`,
    '--since TIME       only deliveries made since TIME: RFC 3339 (2026-12-07T10:00:00Z) or ago (90m, 24h, 7d)',
    '--limit N          at most N deliveries (1 to 1000; the API default otherwise)',
    '--json             the API answer as JSON',
  ],
  flags: { subscription: 'string', state: 'string', since: 'string', limit: 'string', json: 'boolean' },
  async run(args, ctx) {
    if (args.positionals.length > 0) {
      const [raw] = expectPositionals(args, ['delivery-id'], DELIVERIES) as [string];
      const given = ['subscription', 'state', 'since', 'limit'].find((f) => args.flags.has(f));
      if (given) throw new UsageError(`--${given} lists deliveries: it does not go with a delivery id`, DELIVERIES);
      const id = checkDeliveryId(raw, 'delivery', DELIVERIES);
      const body = await ctx.api.get(resourcePath('webhooks/deliveries', id));
      const shown = decode(DeliveryWithAttemptsSchema, body, 'delivery');
      if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
      return printDelivery(ctx, shown.delivery, shown.attempts);
    }
    const subscription = subscriptionFlag(args, DELIVERIES);
    const state = choiceFlag(args, 'state', DELIVERY_STATES, DELIVERIES);
    const sinceRaw = stringFlag(args, 'since');
    const since =
      sinceRaw === undefined ? undefined : new Date(parseSince(sinceRaw, ctx.now, '--since', DELIVERIES)).toISOString();
    const limit = intFlag(args, 'limit', 1, 1000, DELIVERIES);
    const body = await ctx.api.get('webhooks/deliveries', { subscription, state, since, limit });
    const { deliveries } = decode(DeliveryListSchema, body, 'delivery list');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    if (deliveries.length === 0) return ctx.print('no deliveries');
    ctx.print(...deliveriesTable(ctx, deliveries));
  },
};

const REPLAY = 'webhooks replay';
export const webhooksReplayCommand: Command = {
  name: REPLAY,
  synopsis: '<delivery-id> | --subscription ID --since TIME [--json]',
  summary: 'deliver again: one delivery, or every delivery of a subscription since a time (same webhook-id)',
  help: [
    '<delivery-id>      dlv_…: deliver its event again, as a new delivery with the same webhook-id',
    '--subscription ID  with --since: every delivery to this subscription (sub_…) made since TIME',
    '--since TIME       RFC 3339 (2026-12-07T10:00:00Z) or ago (90m, 24h, 7d)',
    '--json             the API answer as JSON',
  ],
  flags: { subscription: 'string', since: 'string', json: 'boolean' },
  async run(args, ctx) {
    if (args.positionals.length > 0) {
      const [raw] = expectPositionals(args, ['delivery-id'], REPLAY) as [string];
      const given = ['subscription', 'since'].find((f) => args.flags.has(f));
      if (given)
        throw new UsageError(`give a delivery id or --subscription and --since, not both (--${given})`, REPLAY);
      const id = checkDeliveryId(raw, 'delivery', REPLAY);
      const body = await ctx.api.post(resourcePath('webhooks/deliveries', id, 'replay'));
      const { delivery } = decode(ReplayedDeliverySchema, body, 'replayed delivery');
      if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
      return ctx.print(
        `replaying ${id} as ${safeText(delivery.id, 64)} (${safeText(delivery.state, 16)}, webhook-id ${safeText(delivery.messageId, 255)})`,
      );
    }
    const subscription = subscriptionFlag(args, REPLAY);
    const sinceRaw = stringFlag(args, 'since');
    if (subscription === undefined && sinceRaw === undefined) {
      throw new UsageError(`${REPLAY} needs <delivery-id>, or --subscription ID and --since TIME`, REPLAY);
    }
    if (subscription === undefined)
      throw new UsageError('--since needs --subscription ID (whose deliveries to replay)', REPLAY);
    if (sinceRaw === undefined)
      throw new UsageError('--subscription needs --since TIME (replay deliveries made since)', REPLAY);
    const since = new Date(parseSince(sinceRaw, ctx.now, '--since', REPLAY)).toISOString();
    const body = await ctx.api.post(resourcePath('webhooks/subscriptions', subscription, 'replay'), { since });
    const { deliveries } = decode(DeliveryListSchema, body, 'replayed deliveries');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    if (deliveries.length === 0) return ctx.print(`no delivery to ${subscription} since ${since} to replay`);
    ctx.print(
      `replaying ${deliveries.length} ${deliveries.length === 1 ? 'delivery' : 'deliveries'} to ${subscription} since ${since}:`,
      ...table(
        ['ID', 'REPLAY-OF', 'EVENT', 'SUBJECT'],
        deliveries.map((d) => [
          safeText(d.id, 64),
          safeText(d.replayOf ?? '-', 64),
          safeText(d.eventType, 64),
          safeText(d.subject, 200),
        ]),
      ),
    );
  },
};
