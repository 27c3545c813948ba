import { isIP } from 'node:net';

/** An IP address as a number: 32 bits for IPv4, 128 bits for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A CIDR block: the address with its host bits cleared, and the prefix length. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/** Strip the brackets of a URL's IPv6 host (`[::1]` → `::1`). */
export function unbracketed(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Parse a textual IPv4 (dotted quad only) or IPv6 address (with an embedded dotted quad allowed);
 * undefined when it is neither. A zone id (`fe80::1%eth0`) is dropped: the address still classifies.
 */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.includes('%') ? text.slice(0, text.indexOf('%')) : text;
  const kind = isIP(bare);
  if (kind === 4) return { family: 4, value: parseIpv4(bare) };
  if (kind === 6) return { family: 6, value: parseIpv6(bare) };
  return undefined;
}

function parseIpv4(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function parseIpv6(text: string): bigint {
  let tail: number[] = [];
  let head = text;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    tail = [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  let words: number[];
  if (head.includes('::')) {
    const [left = '', right = ''] = head.split('::');
    const l = groups(left);
    const r = [...groups(right), ...tail];
    words = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  } else {
    words = [...groups(head), ...tail];
  }
  return words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

/** The textual form of an IPv4 address given as a 32-bit number. */
export function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** Parse `a.b.c.d/n`, `x::y/n` or a bare address (a /32 or /128); undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (!ip || (slash !== -1 && text.slice(0, slash).includes('%'))) return undefined;
  const bits = BITS[ip.family];
  let prefix: number = bits;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > bits) return undefined;
    prefix = Number(p);
  }
  return { family: ip.family, base: ip.value & mask(ip.family, prefix), prefix };
}

function mask(family: 4 | 6, prefix: number): bigint {
  const bits = BITS[family];
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** True when `ip` is inside `cidr` (same family only). */
export function inCidr(ip: IpAddress, cidr: Cidr): boolean {
  return ip.family === cidr.family && (ip.value & mask(cidr.family, cidr.prefix)) === cidr.base;
}

/** The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), else the address itself. */
export function unmapped(ip: IpAddress): IpAddress {
  if (ip.family === 6 && ip.value >> 32n === 0xffffn) return { family: 4, value: ip.value & 0xffffffffn };
  return ip;
}
