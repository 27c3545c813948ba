import { type Cidr, formatIpv4, inCidr, type IpAddress, parseCidr } from './ip-address';

/** A range no webhook may reach unless the operator allow-lists it. */
export interface BlockedRange {
  readonly cidr: string;
  readonly name: string;
}

/** Why an address is refused: the range it is in (for an embedded IPv4, the outer range and the inner one). */
export interface AddressVerdict {
  readonly blocked: boolean;
  /** The range, e.g. `127.0.0.0/8 (loopback)`, or `::ffff:0:0/96 (IPv4-mapped) embedding 10.0.0.1 in 10.0.0.0/8 (private)`. */
  readonly range?: string;
}

/** IPv4 ranges that are not the public internet (IANA special-purpose registry, RFC 6890 and successors). */
export const BLOCKED_IPV4: readonly BlockedRange[] = [
  { cidr: '0.0.0.0/8', name: 'this network (0.0.0.0 reaches the local host)' },
  { cidr: '10.0.0.0/8', name: 'private' },
  { cidr: '100.64.0.0/10', name: 'shared address space, CGNAT (incl. 100.100.100.200 cloud metadata)' },
  { cidr: '127.0.0.0/8', name: 'loopback' },
  { cidr: '169.254.0.0/16', name: 'link-local (incl. 169.254.169.254 cloud metadata)' },
  { cidr: '172.16.0.0/12', name: 'private' },
  { cidr: '192.0.0.0/24', name: 'IETF protocol assignments' },
  { cidr: '192.0.2.0/24', name: 'documentation (TEST-NET-1)' },
  { cidr: '192.88.99.0/24', name: '6to4 relay anycast (deprecated)' },
  { cidr: '192.168.0.0/16', name: 'private' },
  { cidr: '198.18.0.0/15', name: 'benchmarking' },
  { cidr: '198.51.100.0/24', name: 'documentation (TEST-NET-2)' },
  { cidr: '203.0.113.0/24', name: 'documentation (TEST-NET-3)' },
  { cidr: '224.0.0.0/4', name: 'multicast' },
  { cidr: '255.255.255.255/32', name: 'broadcast' },
  { cidr: '240.0.0.0/4', name: 'reserved' },
];

/** IPv6 ranges refused outright (IPv6 outside 2000::/3 is refused too, see classifyAddress). */
export const BLOCKED_IPV6: readonly BlockedRange[] = [
  { cidr: '::/128', name: 'unspecified' },
  { cidr: '::1/128', name: 'loopback' },
  { cidr: '64:ff9b:1::/48', name: 'local-use NAT64' },
  { cidr: '100::/64', name: 'discard-only' },
  { cidr: '2001:2::/48', name: 'benchmarking' },
  { cidr: '2001:10::/28', name: 'ORCHID (deprecated)' },
  { cidr: '2001:20::/28', name: 'ORCHIDv2' },
  { cidr: '2001:db8::/32', name: 'documentation' },
  { cidr: '3fff::/20', name: 'documentation' },
  { cidr: 'fc00::/7', name: 'unique-local (incl. fd00:ec2::254 cloud metadata)' },
  { cidr: 'fe80::/10', name: 'link-local' },
  { cidr: 'fec0::/10', name: 'site-local (deprecated)' },
  { cidr: 'ff00::/8', name: 'multicast' },
];

/** IPv6 ranges that carry an IPv4 address: the embedded address is classified as IPv4. */
const EMBEDDING_IPV6: readonly (BlockedRange & { embedded: (v: bigint) => bigint[] })[] = [
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped', embedded: (v) => [v & 0xffffffffn] },
  { cidr: '::/96', name: 'IPv4-compatible (deprecated)', embedded: (v) => [v & 0xffffffffn] },
  { cidr: '64:ff9b::/96', name: 'NAT64', embedded: (v) => [v & 0xffffffffn] },
  { cidr: '2002::/16', name: '6to4', embedded: (v) => [(v >> 80n) & 0xffffffffn] },
  // Teredo: the server's IPv4 in bits 32–63, the client's (obfuscated: inverted) in the last 32.
  {
    cidr: '2001::/32',
    name: 'Teredo',
    embedded: (v) => [(v >> 64n) & 0xffffffffn, ~v & 0xffffffffn],
  },
];

const GLOBAL_UNICAST = required('2000::/3');

function required(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`bad built-in CIDR ${text}`);
  return cidr;
}

const V4 = BLOCKED_IPV4.map((r) => ({ ...r, block: required(r.cidr) }));
const V6 = BLOCKED_IPV6.map((r) => ({ ...r, block: required(r.cidr) }));
const EMBEDDING = EMBEDDING_IPV6.map((r) => ({ ...r, block: required(r.cidr) }));

/**
 * Whether an address may be reached by a webhook: refused when it is in a blocked range, when an
 * IPv6 address embeds a refused IPv4 address (mapped, compatible, NAT64, 6to4, Teredo), and when an
 * IPv6 address is outside global unicast 2000::/3.
 */
export function classifyAddress(ip: IpAddress): AddressVerdict {
  if (ip.family === 4) {
    const hit = V4.find((r) => inCidr(ip, r.block));
    return hit ? { blocked: true, range: `${hit.cidr} (${hit.name})` } : { blocked: false };
  }
  const hit = V6.find((r) => inCidr(ip, r.block));
  if (hit) return { blocked: true, range: `${hit.cidr} (${hit.name})` };
  const embedding = EMBEDDING.find((r) => inCidr(ip, r.block));
  if (embedding) {
    for (const inner of embedding.embedded(ip.value)) {
      const verdict = classifyAddress({ family: 4, value: inner });
      if (verdict.blocked) {
        return {
          blocked: true,
          range: `${embedding.cidr} (${embedding.name}) embedding ${formatIpv4(inner)} in ${verdict.range ?? ''}`,
        };
      }
    }
    return { blocked: false };
  }
  if (!inCidr(ip, GLOBAL_UNICAST)) return { blocked: true, range: 'outside 2000::/3 (not global unicast)' };
  return { blocked: false };
}
