import { isIP } from 'node:net';
import { PipelineError } from '@patch-factory/contracts';
import { secretKey } from '@patch-factory/webhooks';
import { UsageError, boolFlag, expectPositionals, intFlag, quote, stringFlag, stringsFlag } from './args';
import type { Command } from './command';
import { CommandError } from './command-error';
import { safeJson, safeText } from './terminal-text';
import { startListener, type Listener, type VerifiedDelivery } from './webhooks-listener';

const NAME = 'webhooks listen';
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** A path of printable ASCII without spaces, `?` or `#`. */
const PATH = /^\/[!-~]{0,200}$/;

/** One field of the envelope for the one-line output: escaped, clipped, `-` when absent. */
function field(envelope: Record<string, unknown>, name: string, max: number): string {
  const value = envelope[name];
  if (typeof value !== 'string' && typeof value !== 'number') return '-';
  const text = safeText(value, max).replace(/ /g, '\\x20');
  return text === '' ? '-' : text;
}

/** `<time received> <webhook-id> <type> <subject>`, one line. */
export function deliveryLine(delivery: VerifiedDelivery, receivedMs: number): string {
  const { envelope } = delivery;
  return [
    new Date(receivedMs).toISOString(),
    safeText(delivery.webhookId, 255),
    field(envelope, 'type', 200),
    field(envelope, 'subject', 500),
  ].join(' ');
}

function checkSecrets(raw: readonly string[]): string[] {
  if (raw.length === 0) throw new UsageError(`${NAME} needs --secret whsec_… (the subscription's secret)`, NAME);
  return raw.map((secret, i) => {
    try {
      secretKey(secret, raw.length > 1 ? `--secret #${i + 1}` : '--secret');
    } catch (error) {
      if (error instanceof PipelineError) throw new UsageError(safeText(error.message, 300), NAME);
      throw error;
    }
    return secret;
  });
}

function checkHost(raw: string | undefined): string {
  if (raw === undefined) return '127.0.0.1';
  if (raw !== 'localhost' && isIP(raw) === 0) {
    throw new UsageError(`--host ${quote(raw)} is not an IP address (or localhost)`, NAME);
  }
  return raw;
}

export const webhooksListenCommand: Command = {
  name: NAME,
  synopsis: '--port N --secret whsec_… [--secret whsec_…] [--host 127.0.0.1] [--path /] [--max N] [--json]',
  summary: 'receive webhook deliveries, verify their signatures and print them (for trying the factory, and tests)',
  help: [
    '--port N          the port to listen on (0: any free port); the address is printed on stderr',
    '--secret whsec_…  the subscription secret; give it twice during a rotation (either one verifies)',
    '--host ADDRESS    the address to listen on (default 127.0.0.1; a non-loopback one must be given here)',
    '--path /P         the path deliveries are posted to (default /; others are answered 404)',
    '--max N           exit after N verified deliveries (any arriving meanwhile are answered 503)',
    '--json            print each delivery as its CloudEvents envelope, one JSON line',
    '',
    'Each verified delivery is answered 204 and printed once: <time received> <webhook-id> <type> <subject>.',
    'A retry (a webhook-id seen lately) is answered 204 and reported on stderr, not printed again.',
    'A failed verification (signature, timestamp beyond 5 min, headers) is answered 401 and reported on',
    'stderr; other methods 405, bodies over 1 MiB 413. Ctrl-C (SIGINT) or SIGTERM stops the listener.',
  ],
  flags: { port: 'string', secret: 'strings', host: 'string', path: 'string', max: 'string', json: 'boolean' },
  async run(args, ctx) {
    expectPositionals(args, [], NAME);
    if (stringFlag(args, 'port') === undefined) throw new UsageError(`${NAME} needs --port N (0: any free port)`, NAME);
    const port = intFlag(args, 'port', 0, 65535, NAME) as number;
    const secrets = checkSecrets(stringsFlag(args, 'secret'));
    const host = checkHost(stringFlag(args, 'host'));
    const path = stringFlag(args, 'path') ?? '/';
    if (!PATH.test(path) || /[?#]/.test(path)) {
      throw new UsageError(`--path ${quote(path)} must start with / and hold no spaces, ? or #`, NAME);
    }
    const max = intFlag(args, 'max', 1, 1_000_000_000, NAME);
    const json = boolFlag(args, 'json');

    let printed = 0;
    let listener: Listener | undefined;
    let stop: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    try {
      listener = await startListener({
        host,
        port,
        path,
        secrets,
        onDelivery: (delivery) => {
          if (max !== undefined && printed >= max) return false;
          printed++;
          ctx.print(json ? safeJson(delivery.envelope, 0) : deliveryLine(delivery, Date.now()));
          return true;
        },
        // Stop once the last delivery's 204 is sent (closing earlier could cut it off).
        onAnswered: () => {
          if (max !== undefined && printed >= max) stop?.();
        },
        onDuplicate: (id) => ctx.warn(`duplicate webhook-id ${safeText(id, 255)} (a retry): answered 204, not printed`),
        onRefused: (status, reason) => ctx.warn(`refused ${status}: ${safeText(reason, 500)}`),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new CommandError(
        'listen-failed',
        `cannot listen on ${safeText(host, 64)} port ${port}: ${safeText(code, 40)}`,
      );
    }
    if (!LOOPBACK.has(host)) {
      ctx.warn(`warning: listening on ${safeText(host, 64)}, not a loopback address: reachable from other hosts`);
    }
    ctx.warn(`listening on ${listener.url}`);
    const onSignal = () => stop?.();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await stopped;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await listener.close();
    }
    ctx.warn(`stopped after ${printed} ${printed === 1 ? 'delivery' : 'deliveries'}`);
  },
};
