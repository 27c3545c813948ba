import { z } from 'zod';
import { EVENT_NAMES, EVENT_SEVERITIES, hasControlCharacter } from '@patch-factory/contracts';
import {
  ImageGlobSchema,
  MAX_DESCRIPTION_LENGTH,
  MAX_GLOBS,
  SubscriptionUrlSchema,
  TagGlobSchema,
} from '@patch-factory/webhooks';
import {
  UsageError,
  boolFlag,
  choiceFlag,
  expectPositionals,
  quote,
  stringFlag,
  stringsFlag,
  type ParsedArgs,
} from './args';
import { decode } from './api-responses';
import { resourcePath, type Command, type CommandContext } from './command';
import { duration, table } from './format';
import { safeJson, safeText } from './terminal-text';
import {
  SubscriptionListSchema,
  SubscriptionViewSchema,
  SubscriptionWithSecretSchema,
  agoText,
  checkSubscriptionId,
  listText,
  parseDuration,
  whenText,
  type SubscriptionView,
} from './webhooks-responses';

/** How long a previous secret may keep signing after a rotation (libs/webhooks secret-rotation: 7 days). */
const MAX_OVERLAP_MS = 7 * 86_400_000;
const KEEP_IT = 'keep the secret now: it is not shown again';

/** Every value of a repeatable flag, each checked by `schema`: a usage error names the flag and the value. */
function globsFlag(args: ParsedArgs, name: string, schema: z.ZodType<string>, command: string): string[] {
  const values = [...new Set(stringsFlag(args, name))];
  if (values.length > MAX_GLOBS) throw new UsageError(`--${name} is given more than ${MAX_GLOBS} times`, command);
  for (const value of values) {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new UsageError(
        `--${name} ${quote(value)}: ${safeText(parsed.error.issues[0]?.message ?? 'invalid', 200)}`,
        command,
      );
    }
  }
  return values;
}

function eventsFlag(args: ParsedArgs, command: string): string[] {
  const values = [...new Set(stringsFlag(args, 'event'))];
  for (const value of values) {
    if (!(EVENT_NAMES as readonly string[]).includes(value)) {
      throw new UsageError(`--event must be one of ${EVENT_NAMES.join(', ')}, not ${quote(value)}`, command);
    }
  }
  return values;
}

/** The subscription and its new secret, printed once. */
function printWithSecret(ctx: CommandContext, first: string, s: SubscriptionView, secret: string): void {
  ctx.print(
    first,
    `url           ${safeText(s.url, 2048)}`,
    `events        ${listText(s.eventTypes)}`,
    `images        ${listText(s.images)}`,
    `tags          ${listText(s.tags)}`,
    `min-severity  ${s.minSeverity === undefined ? '-' : safeText(s.minSeverity, 16)}`,
    `secret        ${safeText(secret, 200)}`,
    KEEP_IT,
  );
}

const ADD = 'webhooks add';
export const webhooksAddCommand: Command = {
  name: ADD,
  synopsis:
    '--url URL [--event TYPE]... [--image GLOB]... [--tag GLOB]... [--min-severity S] [--description TEXT] [--json]',
  summary: 'subscribe a receiver to webhook events; its signing secret is printed once',
  help: [
    '--url URL           where deliveries are posted (https, or http to an allow-listed address)',
    `--event TYPE        only these events (repeatable; default every one): ${EVENT_NAMES.join(', ')}`,
    '--image GLOB        only images matching (repeatable): * within a path segment, ** for whole segments',
    '--tag GLOB          only these tags (repeatable): * matches any run of characters',
    `--min-severity S    only image updates fixing a CVE at least this severe: ${EVENT_SEVERITIES.join(', ')}`,
    `--description TEXT  a note for people (at most ${MAX_DESCRIPTION_LENGTH} characters)`,
    '--json              the API answer as JSON (with the secret)',
    '',
    'Prints the subscription id and its secret (whsec_…): give the secret to the receiver, e.g.',
    '"patch-factory webhooks listen --secret whsec_…". It is not shown again; "webhooks rotate" makes a new one.',
  ],
  flags: {
    url: 'string',
    event: 'strings',
    image: 'strings',
    tag: 'strings',
    'min-severity': 'string',
    description: 'string',
    json: 'boolean',
  },
  async run(args, ctx) {
    expectPositionals(args, [], ADD);
    const url = stringFlag(args, 'url');
    if (url === undefined) throw new UsageError(`${ADD} needs --url URL (where deliveries are posted)`, ADD);
    const checkedUrl = SubscriptionUrlSchema.safeParse(url);
    if (!checkedUrl.success) {
      throw new UsageError(
        `--url ${quote(url)} ${safeText(checkedUrl.error.issues[0]?.message ?? 'is invalid', 200)}`,
        ADD,
      );
    }
    const eventTypes = eventsFlag(args, ADD);
    const images = globsFlag(args, 'image', ImageGlobSchema, ADD);
    const tags = globsFlag(args, 'tag', TagGlobSchema, ADD);
    const minSeverity = choiceFlag(args, 'min-severity', EVENT_SEVERITIES, ADD);
    const description = stringFlag(args, 'description');
    if (
      description !== undefined &&
      (description.length > MAX_DESCRIPTION_LENGTH || hasControlCharacter(description))
    ) {
      throw new UsageError(
        `--description must be at most ${MAX_DESCRIPTION_LENGTH} characters without control or bidi characters`,
        ADD,
      );
    }
    const body = await ctx.api.post('webhooks/subscriptions', {
      url,
      ...(description === undefined ? {} : { description }),
      eventTypes,
      images,
      tags,
      ...(minSeverity === undefined ? {} : { minSeverity }),
    });
    const created = decode(SubscriptionWithSecretSchema, body, 'subscription');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    printWithSecret(
      ctx,
      `subscription  ${safeText(created.subscription.id, 64)}`,
      created.subscription,
      created.secret,
    );
  },
};

const LIST = 'webhooks list';
export const webhooksListCommand: Command = {
  name: LIST,
  synopsis: '[--json]',
  summary: 'the webhook subscriptions, never their secrets',
  help: [
    '--json  the API answer as JSON',
    '',
    'A table: ID, STATE (enabled or disabled), EVENTS, IMAGES, TAGS, MIN-SEVERITY, CREATED, URL ("all": no filter);',
    'then, for each disabled subscription, since when and why.',
  ],
  flags: { json: 'boolean' },
  async run(args, ctx) {
    expectPositionals(args, [], LIST);
    const body = await ctx.api.get('webhooks/subscriptions');
    const { subscriptions } = decode(SubscriptionListSchema, body, 'subscription list');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    if (subscriptions.length === 0) return ctx.print('no webhook subscriptions');
    const rows = subscriptions.map((s) => [
      safeText(s.id, 64),
      s.enabled ? 'enabled' : 'disabled',
      listText(s.eventTypes),
      listText(s.images),
      listText(s.tags),
      s.minSeverity === undefined ? '-' : safeText(s.minSeverity, 16),
      agoText(s.createdAt, ctx.now),
      safeText(s.url, 300),
    ]);
    ctx.print(...table(['ID', 'STATE', 'EVENTS', 'IMAGES', 'TAGS', 'MIN-SEVERITY', 'CREATED', 'URL'], rows));
    for (const s of subscriptions) {
      if (s.enabled) continue;
      const since = s.disabled ? ` since ${whenText(s.disabled.since)}` : '';
      const why = s.disabled ? `: ${safeText(s.disabled.reason, 300)}` : '';
      ctx.print(`${safeText(s.id, 64)} is disabled${since}${why}`);
    }
  },
};

const RM = 'webhooks rm';
export const webhooksRmCommand: Command = {
  name: RM,
  synopsis: '<subscription-id>',
  summary: 'delete a webhook subscription: nothing more is delivered to it',
  help: ['<subscription-id>  sub_… from "patch-factory webhooks list"'],
  flags: {},
  async run(args, ctx) {
    const [raw] = expectPositionals(args, ['subscription-id'], RM) as [string];
    const id = checkSubscriptionId(raw, 'subscription', RM);
    await ctx.api.delete(resourcePath('webhooks/subscriptions', id));
    ctx.print(`removed subscription ${id}`);
  },
};

/** `webhooks enable|disable`: PATCH `enabled`, print the state the API answers. */
function enabledCommand(enabled: boolean): Command {
  const name = enabled ? 'webhooks enable' : 'webhooks disable';
  return {
    name,
    synopsis: '<subscription-id>',
    summary: enabled
      ? 'enable a disabled webhook subscription again (after a 410 or days of failures, once its endpoint is fixed)'
      : 'pause a webhook subscription: nothing is delivered to it until it is enabled',
    help: ['<subscription-id>  sub_… from "patch-factory webhooks list"'],
    flags: {},
    async run(args, ctx) {
      const [raw] = expectPositionals(args, ['subscription-id'], name) as [string];
      const id = checkSubscriptionId(raw, 'subscription', name);
      const body = await ctx.api.patch(resourcePath('webhooks/subscriptions', id), { enabled });
      const { subscription } = decode(z.object({ subscription: SubscriptionViewSchema }), body, 'subscription');
      const why = subscription.disabled ? `: ${safeText(subscription.disabled.reason, 300)}` : '';
      ctx.print(`${safeText(subscription.id, 64)} is ${subscription.enabled ? 'enabled' : 'disabled'}${why}`);
    },
  };
}

export const webhooksEnableCommand: Command = enabledCommand(true);
export const webhooksDisableCommand: Command = enabledCommand(false);

const ROTATE = 'webhooks rotate';
export const webhooksRotateCommand: Command = {
  name: ROTATE,
  synopsis: '<subscription-id> [--overlap 24h] [--json]',
  summary: "replace a subscription's signing secret; the new one is printed once",
  help: [
    '<subscription-id>  sub_… from "patch-factory webhooks list"',
    '--overlap D        how long the previous secret keeps signing too, e.g. 24h, 90m, 3600s, 7d (at most),',
    "                   or 0 to stop it at once; default the API's (24h). Deliveries carry both signatures meanwhile.",
    '--json             the API answer as JSON (with the secret)',
  ],
  flags: { overlap: 'string', json: 'boolean' },
  async run(args, ctx) {
    const [raw] = expectPositionals(args, ['subscription-id'], ROTATE) as [string];
    const id = checkSubscriptionId(raw, 'subscription', ROTATE);
    const overlapRaw = stringFlag(args, 'overlap');
    const overlapMs = overlapRaw === undefined ? undefined : parseDuration(overlapRaw);
    if (overlapRaw !== undefined && (overlapMs === undefined || overlapMs > MAX_OVERLAP_MS)) {
      throw new UsageError(
        `--overlap must be a duration like 24h, 90m, 3600s or 0, at most 7d, not ${quote(overlapRaw)}`,
        ROTATE,
      );
    }
    const body = await ctx.api.post(
      resourcePath('webhooks/subscriptions', id, 'rotate'),
      overlapMs === undefined ? {} : { overlapSeconds: overlapMs / 1000 },
    );
    const rotated = decode(SubscriptionWithSecretSchema, body, 'rotated subscription');
    if (boolFlag(args, 'json')) return ctx.print(safeJson(body));
    const expires = rotated.subscription.rotation?.previousExpiresAt;
    const previous =
      expires === undefined
        ? 'the previous secret no longer signs'
        : `the previous secret also signs until ${whenText(expires)}${overlapMs === undefined ? '' : ` (${duration(overlapMs)})`}`;
    printWithSecret(
      ctx,
      `rotated       ${safeText(rotated.subscription.id, 64)}: ${previous}`,
      rotated.subscription,
      rotated.secret,
    );
  },
};
