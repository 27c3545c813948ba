import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { shown } from '@patch-factory/contracts';
import { WebhooksErrorCode, webhooksError, webhooksRetryable } from '../webhooks-errors';
import { allowListEntryFor, type AllowList, parseAllowList } from './allow-list';
import { classifyAddress } from './blocked-ranges';
import { parseIp, unbracketed } from './ip-address';

/** One answer of a name resolution. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to all its addresses (called once per check: its answers are the ones connected to). */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system resolver: node:dns lookup with all: true (what a plain connection would use). */
export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, order: 'verbatim' })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** A receiver URL that passed the checks, with the address to connect to (and no other). */
export interface CheckedReceiver {
  readonly url: URL;
  /** The URL's host without brackets: the Host header's name, the TLS server name. */
  readonly hostname: string;
  /** The address connected to: the first answer (every answer was checked). */
  readonly address: string;
  readonly family: 4 | 6;
  /** Every address the host resolved to (or the literal), all checked. */
  readonly addresses: readonly ResolvedAddress[];
  /** True when every address is in the allow-list (then http is allowed). */
  readonly allowListed: boolean;
}

export interface ReceiverCheckOptions {
  readonly resolver?: Resolver;
  /** The operator's allow-list: parsed, or its CIDR texts. */
  readonly allowList?: AllowList | readonly string[];
}

const MAX_URL_LENGTH = 2048;

/** The allow-list given as texts or parsed. */
export function toAllowList(list: AllowList | readonly string[] | undefined): AllowList {
  if (!list) return { entries: [] };
  return isStringList(list) ? parseAllowList(list) : list;
}

function isStringList(list: AllowList | readonly string[]): list is readonly string[] {
  return Array.isArray(list);
}

/**
 * Check a receiver URL against SSRF: http(s) only, no credentials, the host resolved ONCE (an IP
 * literal is not resolved) and refused when any answer is in a blocked range (see
 * blocked-ranges.ts) unless it is in the allow-list; http only when every answer is allow-listed.
 * Throws a TerminalError (`webhook-url-invalid`, `webhook-url-credentials`,
 * `webhook-address-blocked`, `webhook-https-required`) or a RetryableError (`webhook-resolve-failed`).
 */
export async function checkReceiverUrl(text: string, options: ReceiverCheckOptions = {}): Promise<CheckedReceiver> {
  const where = `webhook URL ${shown(text, 200)}`;
  const allowList = toAllowList(options.allowList);
  if (text.length > MAX_URL_LENGTH) {
    throw webhooksError(WebhooksErrorCode.urlInvalid, where, `longer than ${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw webhooksError(
      WebhooksErrorCode.urlInvalid,
      where,
      'not a valid absolute URL (an IPv6 zone id like [fe80::1%25eth0] is not accepted)',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw webhooksError(WebhooksErrorCode.urlInvalid, where, `scheme ${url.protocol} is not https`);
  }
  if (url.username !== '' || url.password !== '') {
    throw webhooksError(
      WebhooksErrorCode.urlCredentials,
      where,
      'a user name or password in the URL is refused (it would be sent and logged); the signature authenticates deliveries',
    );
  }
  const hostname = unbracketed(url.hostname);
  if (hostname === '') throw webhooksError(WebhooksErrorCode.urlInvalid, where, 'no host');
  const addresses = isIP(hostname) ? [{ address: hostname, family: isIP(hostname) as 4 | 6 }] : await resolve(hostname);

  let allAllowed = true;
  for (const { address } of addresses) {
    const ip = parseIp(address);
    if (!ip) {
      throw webhooksRetryable(
        WebhooksErrorCode.resolveFailed,
        where,
        `host ${shown(hostname)} resolved to a non-address ${shown(address, 60)}`,
      );
    }
    if (allowListEntryFor(allowList, ip) !== undefined) continue;
    allAllowed = false;
    const verdict = classifyAddress(ip);
    if (verdict.blocked) {
      throw webhooksError(
        WebhooksErrorCode.addressBlocked,
        where,
        `host ${shown(hostname)} is address ${address}, in the blocked range ${verdict.range ?? ''}; ` +
          'allow-list its CIDR if it is a receiver on premises',
      );
    }
  }
  if (url.protocol === 'http:' && !allAllowed) {
    throw webhooksError(
      WebhooksErrorCode.httpsRequired,
      where,
      `http is allowed only to allow-listed addresses; host ${shown(hostname)} is ${addresses.map((a) => a.address).join(', ')}: use https`,
    );
  }
  const first = addresses[0] as ResolvedAddress;
  return { url, hostname, address: first.address, family: first.family, addresses, allowListed: allAllowed };

  async function resolve(name: string): Promise<readonly ResolvedAddress[]> {
    let answers: readonly ResolvedAddress[];
    try {
      answers = await (options.resolver ?? systemResolver)(name);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw webhooksRetryable(
        WebhooksErrorCode.resolveFailed,
        where,
        `host ${shown(name)} did not resolve${typeof code === 'string' ? ` (${code})` : ''}`,
        err,
      );
    }
    if (answers.length === 0) {
      throw webhooksRetryable(WebhooksErrorCode.resolveFailed, where, `host ${shown(name)} resolved to no address`);
    }
    return answers;
  }
}
