import { WebhooksErrorCode, webhooksError } from '../webhooks-errors';
import { type Cidr, inCidr, type IpAddress, parseCidr, unmapped } from './ip-address';

/** The operator's allow-list: receivers on premises (CIDRs) that may be private and may use http. */
export interface AllowList {
  readonly entries: readonly { readonly text: string; readonly cidr: Cidr }[];
}

/** Parse the operator's allow-list setting (`10.1.2.0/24`, `fd12::/64`, `127.0.0.1`); a bad entry throws. */
export function parseAllowList(entries: readonly string[], where = 'webhook allow-list'): AllowList {
  return {
    entries: entries.map((text, i) => {
      const cidr = parseCidr(text.trim());
      if (!cidr) {
        throw webhooksError(
          WebhooksErrorCode.allowListInvalid,
          `${where}[${i}]`,
          `${JSON.stringify(text.slice(0, 60))} is not an IPv4 or IPv6 CIDR (like 10.1.2.0/24 or fd12:3456::/64)`,
        );
      }
      return { text: text.trim(), cidr };
    }),
  };
}

/** The allow-list entry `ip` is in (an IPv4-mapped IPv6 address matches IPv4 entries too), if any. */
export function allowListEntryFor(list: AllowList, ip: IpAddress): string | undefined {
  const plain = unmapped(ip);
  return list.entries.find((e) => inCidr(ip, e.cidr) || inCidr(plain, e.cidr))?.text;
}
