import { runNodeScript, type CliResult } from './run-node.fixture';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { imageEventToCloudEvent } from '@patch-factory/contracts';
import { DeliveryRepository, EventStore, attemptRecordOf, deliveryIdOf } from '@patch-factory/notifying';
import { WebhooksErrorCode } from '@patch-factory/webhooks';
import {
  dropPrefix,
  repoRoot,
  sharedRedisUrl,
  startProcess,
  testPrefix,
  type ServiceProcess,
} from '@patch-factory/testing';
import {
  deliveryId,
  startWebhooksApiFixture,
  subscriptionId,
  type FixtureAttempt,
  type FixtureSubscription,
  type WebhooksApiFixture,
} from './webhooks-api.fixture';

/**
 * `patch-factory webhooks add|list|rm|rotate|deliveries|replay` as people run them: the compiled
 * dist/tools/cli/src/main.js in its own process: against the real api service on the shared Redis
 * (as cli.spec.ts starts it), and against webhooks-api.fixture.ts (the API's webhook routes
 * answered from memory, or hostile answers) for the output and escaping of every case. Build
 * first (tsc -b tsconfig.build.json): the processes run dist/.
 */

const root = repoRoot();

/** The CLI against `apiUrl` with `token` (PF_TOKEN) or `tokenFile` (PF_TOKEN_FILE); resolves when it exits. */
export function webhooksCli(
  env: { apiUrl: string; token?: string; tokenFile?: string },
  ...args: string[]
): Promise<CliResult> {
  return runNodeScript(join(root, 'tools/node/run.cjs'), ['dist/tools/cli/src/main.js', ...args], {
    PF_API_URL: env.apiUrl,
    ...(env.token !== undefined ? { PF_TOKEN: env.token } : {}),
    ...(env.tokenFile !== undefined ? { PF_TOKEN_FILE: env.tokenFile } : {}),
  });
}

/** Characters a terminal would act on (the line breaks the CLI writes itself aside), as code points. */
export function controlCharacters(text: string): number[] {
  return [...text]
    .map((ch) => ch.codePointAt(0) as number)
    .filter(
      (c) =>
        (c < 0x20 && c !== 0x0a) ||
        (c >= 0x7f && c <= 0x9f) ||
        (c >= 0x202a && c <= 0x202e) ||
        (c >= 0x2066 && c <= 0x2069) ||
        c === 0x2028 ||
        c === 0x2029,
    );
}

let api: WebhooksApiFixture;
const cli = (...args: string[]) => webhooksCli({ apiUrl: api.url, token: api.token }, ...args);

beforeAll(async () => {
  api = await startWebhooksApiFixture();
});

afterAll(async () => {
  await api?.close();
});

beforeEach(() => {
  api.subscriptions.clear();
  api.deliveries.length = 0;
  api.attempts.clear();
  api.requests.length = 0;
  api.timeFormat = 'ms';
  delete api.answer;
});

/** 2025-06-01T12:00:00Z: the double's clock, in the past of any machine running this. */
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;

function seedSubscription(fields: Partial<FixtureSubscription> = {}): FixtureSubscription {
  const s: FixtureSubscription = {
    id: subscriptionId(),
    owner: 'admin',
    url: 'https://hooks.example.test/pf',
    description: '',
    eventTypes: [],
    images: [],
    tags: [],
    enabled: true,
    createdAt: NOW - 5 * HOUR,
    updatedAt: NOW - 5 * HOUR,
    ...fields,
  };
  api.subscriptions.set(s.id, s);
  return s;
}

/** Output with its ages (`188d04h ago`) blanked: they move with the clock of the machine. */
function sansAges(text: string): string {
  return text.replace(/\S+ ago/g, 'AGO');
}

const failedAttempts: FixtureAttempt[] = [
  {
    attempt: 1,
    at: NOW - HOUR,
    outcome: 'failed',
    status: 500,
    latencyMs: 12,
    excerpt: 'upstream oops',
    excerptTruncated: true,
    errorCode: 'http-500',
    error: 'the receiver answered 500',
  },
  {
    attempt: 2,
    at: NOW - HOUR + 30_000,
    outcome: 'failed',
    latencyMs: 15_000,
    excerpt: '',
    excerptTruncated: false,
    errorCode: 'timeout',
    error: 'no answer within 15 s',
  },
];

describe('patch-factory webhooks against the API double', () => {
  beforeEach(() => {
    api.now = NOW;
  });

  it('adds a subscription (secret printed once), lists it without the secret, rotates it and removes it', async () => {
    const added = await cli(
      'webhooks',
      'add',
      '--url',
      'https://hooks.example.test/pf',
      '--event',
      'image.published',
      '--event=image.updated',
      '--event',
      'image.published',
      '--image',
      'dhi/**',
      '--tag',
      '1.*',
      '--min-severity',
      'high',
      '--description',
      'team a',
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(api.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      [
        'POST',
        '/webhooks/subscriptions',
        {
          url: 'https://hooks.example.test/pf',
          description: 'team a',
          eventTypes: ['image.published', 'image.updated'],
          images: ['dhi/**'],
          tags: ['1.*'],
          minSeverity: 'high',
        },
      ],
    ]);
    const id = /^subscription {2}(sub_[0-9A-Z]{26})$/m.exec(added.stdout)?.[1] as string;
    expect(api.subscriptions.has(id)).toBe(true);
    const secret = /^secret {8}(whsec_[A-Za-z0-9+/=]{44})$/m.exec(added.stdout)?.[1] as string;
    expect(secret).toBeDefined();
    expect(added.stdout).toBe(
      [
        `subscription  ${id}`,
        'url           https://hooks.example.test/pf',
        'events        image.published,image.updated',
        'images        dhi/**',
        'tags          1.*',
        'min-severity  high',
        `secret        ${secret}`,
        'keep the secret now: it is not shown again',
        '',
      ].join('\n'),
    );

    const listed = await cli('webhooks', 'list');
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+EVENTS\s+IMAGES\s+TAGS\s+MIN-SEVERITY\s+CREATED\s+URL$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${id}\\s+enabled\\s+image\\.published,image\\.updated\\s+dhi/\\*\\*\\s+1\\.\\*\\s+high\\s+.+ ago\\s+https://hooks\\.example\\.test/pf$`,
      ),
    );
    expect(lines).toHaveLength(2);
    expect(listed.stdout).not.toContain('whsec_');
    const json = await cli('webhooks', 'list', '--json');
    expect(JSON.parse(json.stdout)).toEqual({ subscriptions: [api.subscriptions.get(id)] });

    api.requests.length = 0;
    const rotated = await cli('webhooks', 'rotate', id, '--overlap', '90m');
    expect(rotated.code).toBe(0);
    expect(api.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', `/webhooks/subscriptions/${id}/rotate`, { overlapSeconds: 5400 }],
    ]);
    expect(rotated.stdout).toMatch(
      new RegExp(
        `^rotated {7}${id}: the previous secret also signs until 2025-06-01T13:30:00\\.000Z \\(1h30m\\)$`,
        'm',
      ),
    );
    const newSecret = /^secret {8}(whsec_\S+)$/m.exec(rotated.stdout)?.[1];
    expect(newSecret).toBeDefined();
    expect(newSecret).not.toBe(secret);
    expect(rotated.stdout.trimEnd().split('\n').at(-1)).toBe('keep the secret now: it is not shown again');

    const atOnce = await cli('webhooks', 'rotate', id, '--overlap=0');
    expect(atOnce.stdout).toMatch(new RegExp(`^rotated {7}${id}: the previous secret no longer signs$`, 'm'));
    expect(api.requests.at(-1)?.body).toEqual({ overlapSeconds: 0 });
    await cli('webhooks', 'rotate', id);
    expect(api.requests.at(-1)?.body).toEqual({});

    const removed = await cli('webhooks', 'rm', id);
    expect(removed).toEqual({ code: 0, stdout: `removed subscription ${id}\n`, stderr: '' });
    expect(api.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/webhooks/subscriptions/${id}` });
    expect(await cli('webhooks', 'list')).toEqual({ code: 0, stdout: 'no webhook subscriptions\n', stderr: '' });

    const again = await cli('webhooks', 'rm', id);
    expect(again).toEqual({
      code: 1,
      stdout: '',
      stderr: `error webhook-subscription-not-found: no subscription with id "${id}"\n`,
    });
  });

  it('sends the API token and reports its refusal', async () => {
    await cli('webhooks', 'list');
    expect(api.requests[0]?.authorization).toBe(`Bearer ${api.token}`);
    const wrong = await webhooksCli(
      { apiUrl: api.url, token: `pf_${'0'.repeat(16)}_${'A'.repeat(43)}` },
      'webhooks',
      'list',
    );
    expect(wrong).toEqual({ code: 1, stdout: '', stderr: 'error unauthenticated: a valid API token is needed\n' });
  });

  it('shows the delivery log, one delivery with its attempts, and replays one or a subscription’s since a time', async () => {
    const sub = seedSubscription();
    const other = seedSubscription();
    const ok = api.addDelivery(sub.id, {
      createdAt: NOW - 2 * HOUR,
      deliveredAt: NOW - 2 * HOUR + 40,
      lastStatus: 204,
      attempts: 1,
    });
    const failed = api.addDelivery(
      sub.id,
      {
        eventType: 'pipeline.failed',
        subject: 'image/redis/debian-12/7.0.yaml',
        state: 'failed',
        createdAt: NOW - HOUR,
        lastError: 'no answer within 15 s',
        reason: 'gave up after 2 attempts',
      },
      failedAttempts,
    );
    api.addDelivery(other.id, { createdAt: NOW - 3 * HOUR, state: 'pending', nextAttemptAt: NOW + 60_000 });

    const all = await cli('webhooks', 'deliveries');
    expect(all.code).toBe(0);
    const rows = all.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^ID\s+STATE\s+EVENT\s+ATTEMPTS\s+LAST\s+CREATED\s+SUBSCRIPTION\s+SUBJECT$/);
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatch(
      new RegExp(
        `^${failed.id}\\s+failed\\s+pipeline\\.failed\\s+2\\s+no answer within 15 s\\s+.+ ago\\s+${sub.id}\\s+image/redis/debian-12/7\\.0\\.yaml$`,
      ),
    );
    expect(rows[2]).toMatch(
      new RegExp(`^${ok.id}\\s+delivered\\s+image\\.published\\s+1\\s+204\\s+.+ ago\\s+${sub.id}\\s+dhi/redis:7\\.0$`),
    );

    api.requests.length = 0;
    const filtered = await cli(
      'webhooks',
      'deliveries',
      '--subscription',
      sub.id,
      '--state',
      'failed',
      '--since',
      '2025-06-01T11:30:00+01:00',
      '--limit',
      '5',
    );
    expect(api.requests[0]?.query).toEqual({
      subscription: sub.id,
      state: 'failed',
      since: '2025-06-01T10:30:00.000Z',
      limit: '5',
    });
    expect(filtered.stdout.trimEnd().split('\n')).toHaveLength(2);
    // A duration is that long before the command started.
    const before = Date.now();
    const ago = await cli('webhooks', 'deliveries', '--since', '90m');
    const after = Date.now();
    expect(ago.code).toBe(0);
    const sentSince = Date.parse(api.requests.at(-1)?.query['since'] ?? '');
    expect(sentSince).toBeGreaterThanOrEqual(before - 90 * 60_000);
    expect(sentSince).toBeLessThanOrEqual(after - 90 * 60_000);
    expect(await cli('webhooks', 'deliveries', '--state', 'cancelled')).toEqual({
      code: 0,
      stdout: 'no deliveries\n',
      stderr: '',
    });

    const shown = await cli('webhooks', 'deliveries', failed.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe(
      [
        `delivery      ${failed.id}`,
        `subscription  ${sub.id}`,
        `event         pipeline.failed ${failed.eventId}`,
        'subject       image/redis/debian-12/7.0.yaml',
        `webhook-id    ${failed.messageId}`,
        'state         failed (gave up after 2 attempts)',
        'attempts      2',
        'created       2025-06-01T11:00:00.000Z',
        'last error    no answer within 15 s',
        '',
        'ATTEMPT  AT                        OUTCOME  STATUS  LATENCY  ERROR',
        '1        2025-06-01T11:00:00.000Z  failed   500     12ms     http-500: the receiver answered 500',
        '2        2025-06-01T11:00:30.000Z  failed   -       15.0s    timeout: no answer within 15 s',
        '',
        'responses:',
        '  1: upstream oops [truncated]',
        '',
      ].join('\n'),
    );
    // The API may render its times as ISO strings: the same output.
    api.timeFormat = 'iso';
    expect(await cli('webhooks', 'deliveries', failed.id)).toEqual(shown);
    expect(sansAges((await cli('webhooks', 'deliveries')).stdout)).toBe(sansAges(all.stdout));
    api.timeFormat = 'ms';

    const missing = deliveryId();
    expect(await cli('webhooks', 'deliveries', missing)).toEqual({
      code: 1,
      stdout: '',
      stderr: `error webhook-delivery-not-found: no delivery with id "${missing}"\n`,
    });

    const replayed = await cli('webhooks', 'replay', failed.id);
    expect(replayed.code).toBe(0);
    const replay = api.deliveries.find((d) => d.replayOf === failed.id);
    expect(replay).toMatchObject({ messageId: failed.messageId, state: 'pending' });
    expect(replayed.stdout).toBe(`replaying ${failed.id} as ${replay?.id} (pending, webhook-id ${failed.messageId})\n`);
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', path: `/webhooks/deliveries/${failed.id}/replay` });

    const since = await cli('webhooks', 'replay', '--subscription', sub.id, '--since', '2025-06-01T09:00:00Z');
    expect(since.code).toBe(0);
    expect(api.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: `/webhooks/subscriptions/${sub.id}/replay`,
      body: { since: '2025-06-01T09:00:00.000Z' },
    });
    const lines = since.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`replaying 2 deliveries to ${sub.id} since 2025-06-01T09:00:00.000Z:`);
    expect(lines[1]).toMatch(/^ID\s+REPLAY-OF\s+EVENT\s+SUBJECT$/);
    expect(
      lines
        .slice(2)
        .map((l) => l.split(/\s+/)[1])
        .sort(),
    ).toEqual([ok.id, failed.id].sort());
    const none = await cli('webhooks', 'replay', '--subscription', other.id, '--since', '2025-06-01T10:00:00Z');
    expect(none.stdout).toBe(`no delivery to ${other.id} since 2025-06-01T10:00:00.000Z to replay\n`);
  });

  it('prints a disabled subscription with since when and why, from epoch ms or ISO times alike', async () => {
    const s = seedSubscription({
      enabled: false,
      disabled: { reason: 'the endpoint answered 410 Gone', since: NOW - HOUR },
      minSeverity: 'critical',
    });
    const ms = await cli('webhooks', 'list');
    expect(ms.stdout).toMatch(new RegExp(`^${s.id}\\s+disabled\\s+all\\s+all\\s+all\\s+critical\\s`, 'm'));
    expect(ms.stdout).toMatch(
      new RegExp(`^${s.id} is disabled since 2025-06-01T11:00:00\\.000Z: the endpoint answered 410 Gone$`, 'm'),
    );
    api.timeFormat = 'iso';
    const iso = await cli('webhooks', 'list');
    expect(sansAges(iso.stdout)).toBe(sansAges(ms.stdout));
    expect(iso.code).toBe(0);
  });
});

describe('patch-factory webhooks usage errors (nothing is sent)', () => {
  const S = 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';
  const D = 'dlv_0123456789abcdefghijklmnop';
  it.each([
    [['webhooks', 'add'], /^patch-factory: webhooks add needs --url URL/m],
    [
      ['webhooks', 'add', '--url', 'file:///etc/passwd'],
      /^patch-factory: --url "file:\/\/\/etc\/passwd" must be an http:\/\/ or https:\/\/ URL/m,
    ],
    [
      ['webhooks', 'add', '--url', 'https://u:p@x.test/'],
      /^patch-factory: --url "https:\/\/u:p@x\.test\/" must not carry a user name/m,
    ],
    [
      ['webhooks', 'add', '--url', 'https://x.test/', '--event', 'image.deleted'],
      /^patch-factory: --event must be one of image\.published, .*, not "image\.deleted"$/m,
    ],
    [
      ['webhooks', 'add', '--url', 'https://x.test/', '--min-severity', 'severe'],
      /^patch-factory: --min-severity must be one of critical, high, medium, low, unknown, none, not "severe"$/m,
    ],
    [
      ['webhooks', 'add', '--url', 'https://x.test/', '--image', 'Dhi/*'],
      /^patch-factory: --image "Dhi\/\*": .*may hold only a-z 0-9/m,
    ],
    [
      ['webhooks', 'add', '--url', 'https://x.test/', '--image', 'dhi/a**'],
      /^patch-factory: --image "dhi\/a\*\*": .*\*\* must be a whole path segment/m,
    ],
    [['webhooks', 'add', '--url', 'https://x.test/', '--tag', 'a/b'], /^patch-factory: --tag "a\/b": may hold only/m],
    [
      ['webhooks', 'add', '--url', 'https://x.test/', '--description', 'a\u001b[2Jb'],
      /^patch-factory: --description must be at most 500 characters without control or bidi characters$/m,
    ],
    [
      ['webhooks', 'add', '--url', 'https://x.test/', 'extra'],
      /^patch-factory: unexpected argument "extra" for webhooks add$/m,
    ],
    [
      ['webhooks', 'add', '--url', 'https://x.test/', '--secret', 'x'],
      /^patch-factory: unknown flag "--secret" for webhooks add$/m,
    ],
    [['webhooks', 'list', 'all'], /^patch-factory: unexpected argument "all" for webhooks list$/m],
    [['webhooks', 'rm'], /^patch-factory: webhooks rm needs <subscription-id>$/m],
    [
      ['webhooks', 'rm', 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8PI'],
      /^patch-factory: subscription "sub_01J0Z3W2Y8K8Q0X1V5T6R7S8PI" is not a subscription id/m,
    ],
    [['webhooks', 'rm', '../tokens'], /^patch-factory: subscription "\.\.\/tokens" is not a subscription id/m],
    [
      ['webhooks', 'rm', 'sub_\u001b]0;x\u0007'],
      /^patch-factory: subscription "sub_\\e\]0;x\\x07" is not a subscription id/m,
    ],
    [
      ['webhooks', 'rotate', S, '--overlap', '1w'],
      /^patch-factory: --overlap must be a duration like 24h, 90m, 3600s or 0, at most 7d, not "1w"$/m,
    ],
    [['webhooks', 'rotate', S, '--overlap', '8d'], /^patch-factory: --overlap must be a duration .*, not "8d"$/m],
    [['webhooks', 'rotate', S, '--overlap', '-5m'], /^patch-factory: --overlap must be a duration .*, not "-5m"$/m],
    [['webhooks', 'rotate', '--overlap', '1h'], /^patch-factory: webhooks rotate needs <subscription-id>$/m],
    [
      ['webhooks', 'deliveries', '--state', 'done'],
      /^patch-factory: --state must be one of pending, delivered, failed, cancelled, not "done"$/m,
    ],
    [
      ['webhooks', 'deliveries', '--since', '2025-13-01T00:00:00Z'],
      /^patch-factory: --since "2025-13-01T00:00:00Z" is not a date and time that exists/m,
    ],
    [
      ['webhooks', 'deliveries', '--since', '2025-02-29T00:00:00Z'],
      /^patch-factory: --since "2025-02-29T00:00:00Z" is not a date and time that exists/m,
    ],
    [
      ['webhooks', 'deliveries', '--since', '2025-06-01'],
      /^patch-factory: --since "2025-06-01" is not a time: give an RFC 3339 time/m,
    ],
    [['webhooks', 'deliveries', '--since', 'yesterday'], /^patch-factory: --since "yesterday" is not a time/m],
    [
      ['webhooks', 'deliveries', '--since', '2999-01-01T00:00:00Z'],
      /^patch-factory: --since "2999-01-01T00:00:00Z" is in the future/m,
    ],
    [
      ['webhooks', 'deliveries', '--limit', '0'],
      /^patch-factory: --limit must be a whole number from 1 to 1000, not "0"$/m,
    ],
    [
      ['webhooks', 'deliveries', '--subscription', 'sub_x'],
      /^patch-factory: --subscription "sub_x" is not a subscription id/m,
    ],
    [
      ['webhooks', 'deliveries', 'dlv_0123456789ABCDEFGHIJKLMNOP'],
      /^patch-factory: delivery "dlv_0123456789ABCDEFGHIJKLMNOP" is not a delivery id/m,
    ],
    [['webhooks', 'deliveries', S], /^patch-factory: delivery "sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9" is not a delivery id/m],
    [
      ['webhooks', 'deliveries', D, '--state', 'failed'],
      /^patch-factory: --state lists deliveries: it does not go with a delivery id$/m,
    ],
    [
      ['webhooks', 'deliveries', D, D],
      /^patch-factory: unexpected argument "dlv_0123456789abcdefghijklmnop" for webhooks deliveries$/m,
    ],
    [
      ['webhooks', 'replay'],
      /^patch-factory: webhooks replay needs <delivery-id>, or --subscription ID and --since TIME$/m,
    ],
    [['webhooks', 'replay', '--subscription', S], /^patch-factory: --subscription needs --since TIME/m],
    [['webhooks', 'replay', '--since', '1h'], /^patch-factory: --since needs --subscription ID/m],
    [['webhooks', 'replay', '--subscription', S, '--since', 'later'], /^patch-factory: --since "later" is not a time/m],
    [
      ['webhooks', 'replay', D, '--subscription', S],
      /^patch-factory: give a delivery id or --subscription and --since, not both \(--subscription\)$/m,
    ],
    [['webhooks', 'replay', 'dlv_\u202eabc'], /^patch-factory: delivery "dlv_\\u\{202e\}abc" is not a delivery id/m],
    [['webhooks', 'purge'], /^patch-factory: unknown webhooks subcommand "purge"$/m],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const res = await cli(...args);
    expect(res.stderr).toMatch(message);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^usage: patch-factory /m);
    expect(controlCharacters(res.stderr)).toEqual([]);
    expect(api.requests).toEqual([]);
  });

  it('prints the help of the group and of each command', async () => {
    const group = await cli('webhooks', '--help');
    expect(group.code).toBe(0);
    for (const name of [
      'add --url URL',
      'list [--json]',
      'rm <subscription-id>',
      'rotate <subscription-id>',
      'deliveries [<delivery-id>]',
      'replay <delivery-id>',
      'listen --port N',
    ]) {
      expect(group.stdout).toContain(`usage: patch-factory webhooks ${name}`);
    }
    const general = await cli('--help');
    expect(general.stdout).toMatch(/^ {2}webhooks add --url URL .* subscribe a receiver to webhook events/m);
    expect((await cli('help', 'webhooks', 'rotate')).stdout).toMatch(
      /^ {2}--overlap D {8}how long the previous secret keeps signing too/m,
    );
  });
});

describe('patch-factory webhooks against a hostile server', () => {
  const ESC = '\u001b';
  const evil = `x${ESC}]0;pwned\u0007${ESC}[2J\r\u009b31m\u202eevil\u2029\nline`;
  const escaped = 'x\\e]0;pwned\\x07\\e[2J\\r\\x9b31m\\u{202e}evil\\u{2029}\\nline';
  const S = 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';
  const D = 'dlv_0123456789abcdefghijklmnop';
  const subscription = {
    id: evil,
    owner: evil,
    url: evil,
    description: evil,
    eventTypes: [evil],
    images: [evil],
    tags: [evil],
    minSeverity: evil,
    enabled: false,
    disabled: { reason: evil, since: evil },
    createdAt: evil,
    updatedAt: 1,
    rotation: { previousExpiresAt: evil },
  };
  const delivery = {
    id: evil,
    subscriptionId: evil,
    eventId: evil,
    eventType: evil,
    subject: evil,
    messageId: evil,
    state: evil,
    attempts: 3,
    createdAt: evil,
    updatedAt: evil,
    nextAttemptAt: evil,
    lastError: evil,
    replayOf: evil,
    reason: evil,
  };
  const attempt = {
    attempt: 1,
    at: evil,
    outcome: evil,
    status: 500,
    latencyMs: 3,
    excerpt: evil,
    excerptTruncated: false,
    errorCode: evil,
    error: evil,
  };
  const answerWith = (body: unknown, status = 200) => {
    api.answer = () => ({ status, body: JSON.stringify(body) });
  };

  function expectClean(res: CliResult): void {
    expect(controlCharacters(res.stdout)).toEqual([]);
    expect(controlCharacters(res.stderr)).toEqual([]);
  }

  it.each<[string, unknown, string[]]>([
    ['add', { subscription, secret: evil }, ['webhooks', 'add', '--url', 'https://x.test/']],
    ['rotate', { subscription, secret: evil }, ['webhooks', 'rotate', S]],
    ['list', { subscriptions: [subscription] }, ['webhooks', 'list']],
    ['deliveries', { deliveries: [delivery] }, ['webhooks', 'deliveries']],
    ['deliveries ID', { delivery, attempts: [attempt] }, ['webhooks', 'deliveries', D]],
    ['replay', { delivery }, ['webhooks', 'replay', D]],
    ['replay --subscription', { deliveries: [delivery] }, ['webhooks', 'replay', '--subscription', S, '--since', '1h']],
  ])('escapes what the server sent (%s), in text and in --json', async (_, body, args) => {
    answerWith(body);
    const text = await cli(...args);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expectClean(text);
    expect(text.stdout).toContain(escaped);
    expect(text.stdout).not.toContain('pwned\u0007');
    const json = await cli(...args, '--json');
    expect(json.code).toBe(0);
    expectClean(json);
    expect(JSON.parse(json.stdout)).toEqual(body);
  });

  it('escapes API errors and refuses answers of the wrong shape (exit 1)', async () => {
    answerWith({ error: { code: 'webhook-subscription-not-found', message: evil } }, 404);
    const res = await cli('webhooks', 'rm', S);
    expect(res).toEqual({ code: 1, stdout: '', stderr: `error webhook-subscription-not-found: ${escaped}\n` });

    answerWith({ subscriptions: [{ ...subscription, enabled: 'yes' }] });
    const shape = await cli('webhooks', 'list');
    expect(shape.code).toBe(1);
    expect(shape.stderr).toMatch(
      /^error bad-response: the API answered with an unexpected subscription list: subscriptions\.0\.enabled: /m,
    );

    answerWith({ subscription: { ...subscription, id: S } });
    const noSecret = await cli('webhooks', 'add', '--url', 'https://x.test/');
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toMatch(/^error bad-response: the API answered with an unexpected subscription: secret: /m);
    expect(noSecret.stdout).toBe('');

    answerWith({ delivery: { ...delivery, attempts: '3' }, attempts: [] });
    const badDelivery = await cli('webhooks', 'deliveries', D);
    expect(badDelivery.code).toBe(1);
    expect(badDelivery.stderr).toMatch(
      /^error bad-response: the API answered with an unexpected delivery: delivery\.attempts: /m,
    );
    expectClean(badDelivery);
  });
});

describe('patch-factory webhooks against the running api service', () => {
  const HOUR = 3_600_000;
  const env = { PF_PREFIX: testPrefix(), PF_REDIS_URL: sharedRedisUrl() };
  let dir: string;
  let service: ServiceProcess | undefined;
  let real: (...args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    // A new prefix is a first start: the API writes its bootstrap admin token there, the CLI reads it.
    dir = mkdtempSync(join(tmpdir(), 'pf-cli-webhooks-'));
    const tokenFile = join(dir, 'admin-token');
    service = await startProcess('dist/services/api/src/main.js', {
      ...env,
      PF_BOOTSTRAP_TOKEN_FILE: tokenFile,
      PF_WEBHOOK_SECRET_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    });
    const apiUrl = `http://127.0.0.1:${service.port}`;
    real = (...args) => webhooksCli({ apiUrl, tokenFile }, ...args);
  });

  afterAll(async () => {
    service?.kill('SIGTERM');
    await service?.exited;
    await dropPrefix(env.PF_REDIS_URL, env.PF_PREFIX);
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds, lists, rotates and removes a subscription; the log and replays of a new one are empty', async () => {
    const added = await real(
      'webhooks',
      'add',
      '--url',
      'https://hooks.example.test/pf',
      '--event',
      'image.published',
      '--image',
      'examples/**',
      '--min-severity',
      'high',
      '--description',
      'the CLI test',
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const id = /^subscription {2}(sub_[0-9A-Z]{26})$/m.exec(added.stdout)?.[1] as string;
    expect(id).toBeDefined();
    const secret = /^secret {8}(whsec_\S+)$/m.exec(added.stdout)?.[1];
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(added.stdout).toMatch(/^events {8}image\.published$/m);
    expect(added.stdout.trimEnd().split('\n').at(-1)).toBe('keep the secret now: it is not shown again');

    const listed = await real('webhooks', 'list');
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${id}\\s+enabled\\s+image\\.published\\s+examples/\\*\\*\\s+all\\s+high\\s+.+ ago\\s+https://hooks\\.example\\.test/pf$`,
      ),
    );
    expect(listed.stdout).not.toContain('whsec_');

    const rotated = await real('webhooks', 'rotate', id, '--overlap', '90m');
    expect(rotated.stderr).toBe('');
    expect(rotated.code).toBe(0);
    const until = /^rotated {7}sub_\w+: the previous secret also signs until (\S+) \(1h30m\)$/m.exec(
      rotated.stdout,
    )?.[1];
    const newSecret = /^secret {8}(whsec_\S+)$/m.exec(rotated.stdout)?.[1];
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);
    const { subscriptions } = JSON.parse((await real('webhooks', 'list', '--json')).stdout) as {
      subscriptions: { id: string; createdAt: string; rotation?: { previousExpiresAt: string } }[];
    };
    expect(subscriptions.map((s) => s.id)).toEqual([id]);
    expect(subscriptions[0]?.rotation?.previousExpiresAt).toBeDefined();
    expect(Date.parse(subscriptions[0]?.rotation?.previousExpiresAt ?? '')).toBe(Date.parse(until ?? ''));

    expect(await real('webhooks', 'deliveries', '--subscription', id, '--since', '1h')).toEqual({
      code: 0,
      stdout: 'no deliveries\n',
      stderr: '',
    });
    const replayed = await real('webhooks', 'replay', '--subscription', id, '--since', '1h');
    expect(replayed.stderr).toBe('');
    expect(replayed.stdout).toMatch(new RegExp(`^no delivery to ${id} since \\S+Z to replay\n$`));
    const missing = deliveryId();
    expect(await real('webhooks', 'deliveries', missing)).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/^error webhook-delivery-not-found: /) as unknown as string,
    });

    // Paused and enabled again (what an operator does once a disabled endpoint is fixed).
    expect(await real('webhooks', 'disable', id)).toEqual({
      code: 0,
      stdout: `${id} is disabled: paused by bootstrap-admin\n`,
      stderr: '',
    });
    expect((await real('webhooks', 'list')).stdout).toMatch(
      new RegExp(`^${id} is disabled since .+: paused by bootstrap-admin$`, 'm'),
    );
    expect(await real('webhooks', 'enable', id)).toEqual({ code: 0, stdout: `${id} is enabled\n`, stderr: '' });

    expect(await real('webhooks', 'rm', id)).toEqual({ code: 0, stdout: `removed subscription ${id}\n`, stderr: '' });
    expect(await real('webhooks', 'list')).toEqual({ code: 0, stdout: 'no webhook subscriptions\n', stderr: '' });
    const again = await real('webhooks', 'rm', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error webhook-subscription-not-found: /);
  });
  it('shows a delivery the fan-out made, with its attempt, and replays it', async () => {
    const added = await real('webhooks', 'add', '--url', 'https://hooks.example.test/log');
    const sub = /^subscription {2}(sub_[0-9A-Z]{26})$/m.exec(added.stdout)?.[1] as string;
    expect(sub).toBeDefined();
    // A delivery as the fan-out makes it and a failed attempt as the delivery worker records it, in the API's Redis prefix.
    const at = Date.now() - 2 * HOUR;
    const run = `run_01M${randomBytes(6)
      .toString('hex')
      .toUpperCase()
      .replace(/[^0-9A-HJKMNP-TV-Z]/g, '0')}${'0'.repeat(11)}`;
    const event = imageEventToCloudEvent(
      {
        id: `${run}:promote`,
        type: 'image.published',
        repository: '127.0.0.1:5000/examples/redis',
        digest: `sha256:${'1'.repeat(64)}`,
        tags: [{ tag: '8', digest: `sha256:${'1'.repeat(64)}` }],
        cvesFixed: [],
        runId: run,
        definition: 'image/redis/debian-13/8.yaml',
        at,
      },
      { source: 'urn:patch-factory:test', severityOf: () => undefined },
    );
    const id = deliveryIdOf(event.id, sub);
    const redis = new Redis(env.PF_REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const deliveries = new DeliveryRepository(redis, env.PF_PREFIX);
      expect(await new EventStore(redis, env.PF_PREFIX).store(event, at)).toBe(true);
      const made = { id, subscriptionId: sub, eventId: event.id, eventType: event.type, subject: event.subject };
      expect(await deliveries.create({ ...made, messageId: event.id }, at)).toBe(true);
      const claimed = await deliveries.claim(id, at + 1000);
      expect(claimed).toBeDefined();
      const result = {
        outcome: 'failed' as const,
        status: 503,
        latencyMs: 42,
        excerpt: 'try again later',
        excerptTruncated: false,
        errorCode: WebhooksErrorCode.httpStatus,
        error: 'answered 503',
      };
      const attempt = attemptRecordOf(claimed?.attempt ?? 1, at + 1000, result);
      const next = { state: 'retry' as const, nextAt: at + 61_000 };
      expect(await deliveries.record(id, claimed?.ticket ?? 0, at + 1000, next, attempt)).toBe(true);
    } finally {
      await redis.quit();
    }

    const listed = await real('webhooks', 'deliveries', '--subscription', sub);
    expect(listed.stderr).toBe('');
    const rows = listed.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(
      new RegExp(`^${id}\\s+pending\\s+\\S+image\\.published\\s+1\\s+503\\s+2h00m ago\\s+${sub}\\s+\\S+`),
    );

    const shown = await real('webhooks', 'deliveries', id);
    expect(shown.stderr).toBe('');
    expect(shown.stdout).toContain(`delivery      ${id}\nsubscription  ${sub}\n`);
    expect(shown.stdout).toContain(`webhook-id    ${event.id}\nstate         pending\nattempts      1\n`);
    expect(shown.stdout).toContain(`created       ${new Date(at).toISOString()}\n`);
    expect(shown.stdout).toContain(`next attempt  ${new Date(at + 61_000).toISOString()}\n`);
    expect(shown.stdout).toMatch(
      new RegExp(
        `^1\\s+${new Date(at + 1000).toISOString()}\\s+failed\\s+503\\s+42ms\\s+webhook-http-status: answered 503$`,
        'm',
      ),
    );
    expect(shown.stdout).toContain('\nresponses:\n  1: try again later\n');

    const replayed = await real('webhooks', 'replay', id);
    expect(replayed.stderr).toBe('');
    expect(replayed.stdout).toMatch(
      new RegExp(`^replaying ${id} as dlv_[0-9a-z]{26} \\(pending, webhook-id ${event.id}\\)\n$`),
    );
    const replayId = /as (dlv_\w+)/.exec(replayed.stdout)?.[1] as string;
    const { delivery } = JSON.parse((await real('webhooks', 'deliveries', replayId, '--json')).stdout) as {
      delivery: { replayOf?: string; messageId: string };
    };
    expect(delivery).toMatchObject({ replayOf: id, messageId: event.id });

    const since = await real('webhooks', 'replay', '--subscription', sub, '--since', '3h');
    expect(since.stderr).toBe('');
    expect(since.stdout).toMatch(new RegExp(`^replaying \\d+ deliver(y|ies) to ${sub} since \\S+Z:$`, 'm'));
    expect(since.stdout).toMatch(new RegExp(`^dlv_[0-9a-z]{26}\\s+${id}\\s+\\S*image\\.published\\s`, 'm'));
    expect((await real('webhooks', 'rm', sub)).code).toBe(0);
  });
});
