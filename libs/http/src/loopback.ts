import { isIP } from 'node:net';

/** True when `hostname` (as URL.hostname gives it, IPv6 in brackets) is a loopback IP: 127.0.0.0/8 or ::1. */
export function isLoopbackAddress(hostname: string): boolean {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && host === '::1';
}

/** True when `hostname` is `localhost` or a loopback IP (see isLoopbackAddress). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || isLoopbackAddress(hostname);
}
