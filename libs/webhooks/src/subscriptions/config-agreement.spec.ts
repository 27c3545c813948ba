import { cidrProblem, webhookSecretKeysProblem } from '@patch-factory/config';
import { parseAllowList } from '../receiver-address/allow-list';
import { parseSecretKey } from './sealed-secret';

/** Config (a core library) checks the settings at boot with its own copy of the rules; they must agree with the parsers here. */
describe('the boot-time checks of PF_WEBHOOK_SECRET_KEYS and PF_WEBHOOK_ALLOW_CIDRS agree with the parsers', () => {
  const key = (byte: number, n = 32) => Buffer.alloc(n, byte).toString('base64');
  const keyrings = [
    `k1:${key(1)}`,
    `k2:${key(2)},k1:${key(1)}`,
    ` k2:${key(2)} , k1:${key(1)} `,
    `k1:${key(1).replace(/=+$/, '')}`,
    key(1),
    `k1:${key(1, 31)}`,
    `k1:${key(1, 33)}`,
    `k1:${key(1)},k1:${key(2)}`,
    `K1:${key(1)}`,
    `k1:${key(1)}x`,
    `k1:`,
    Array.from({ length: 17 }, (_, i) => `k${i}:${key(i)}`).join(','),
  ];
  it.each(keyrings)('keyring %#', (value) => {
    let parsed = true;
    try {
      parseSecretKey(value);
    } catch {
      parsed = false;
    }
    expect(webhookSecretKeysProblem(value) === undefined).toBe(parsed);
  });

  const cidrs = [
    '10.1.2.0/24',
    'fd12:3456::/64',
    '127.0.0.1',
    '::1',
    '10.1.2.0/33',
    'fd12::/129',
    'example.org',
    '10.1.2/24',
    '10.0.0.0/8',
    '::ffff:10.0.0.1/128',
  ];
  it.each(cidrs)('CIDR %s', (value) => {
    let parsed = true;
    try {
      parseAllowList([value]);
    } catch {
      parsed = false;
    }
    expect(cidrProblem(value) === undefined).toBe(parsed);
  });
});
