import fc from 'fast-check';
import { PipelineError } from '@patch-factory/contracts';
import { pinnedLookup } from '../delivery/deliver-once';
import { WebhooksErrorCode } from '../webhooks-errors';
import { parseAllowList } from './allow-list';
import { classifyAddress } from './blocked-ranges';
import { formatIpv4, parseCidr, parseIp } from './ip-address';
import { checkReceiverUrl, type Resolver } from './receiver-address';

/** A resolver that answers `answers` for every name and counts its calls. */
function fixedResolver(...answers: string[]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver: Resolver = (name: string) => {
    calls.push(name);
    return Promise.resolve(answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  return Object.assign(resolver, { calls });
}

async function refusal(url: string, options: Parameters<typeof checkReceiverUrl>[1] = {}): Promise<PipelineError> {
  try {
    await checkReceiverUrl(url, options);
  } catch (err) {
    if (err instanceof PipelineError) return err;
    throw err;
  }
  throw new Error(`${url} was accepted`);
}

// Every blocked range, by an address inside it (IPv4, IPv6, and IPv4 embedded in IPv6 forms).
const BLOCKED: [string, string][] = [
  ['0.0.0.0', '0.0.0.0/8'],
  ['0.1.2.3', '0.0.0.0/8'],
  ['10.0.0.1', '10.0.0.0/8'],
  ['10.255.255.255', '10.0.0.0/8'],
  ['100.64.0.1', '100.64.0.0/10'],
  ['100.100.100.200', '100.64.0.0/10'],
  ['100.127.255.255', '100.64.0.0/10'],
  ['127.0.0.1', '127.0.0.0/8'],
  ['127.255.0.9', '127.0.0.0/8'],
  ['169.254.169.254', '169.254.0.0/16'],
  ['172.16.0.1', '172.16.0.0/12'],
  ['172.31.255.254', '172.16.0.0/12'],
  ['192.0.0.192', '192.0.0.0/24'],
  ['192.0.2.10', '192.0.2.0/24'],
  ['192.88.99.1', '192.88.99.0/24'],
  ['192.168.1.1', '192.168.0.0/16'],
  ['198.18.0.1', '198.18.0.0/15'],
  ['198.19.255.255', '198.18.0.0/15'],
  ['198.51.100.7', '198.51.100.0/24'],
  ['203.0.113.9', '203.0.113.0/24'],
  ['224.0.0.1', '224.0.0.0/4'],
  ['239.255.255.250', '224.0.0.0/4'],
  ['240.0.0.1', '240.0.0.0/4'],
  ['255.255.255.255', '255.255.255.255/32'],
  ['::', '::/128'],
  ['::1', '::1/128'],
  ['0:0:0:0:0:0:0:1', '::1/128'],
  ['fe80::1', 'fe80::/10'],
  ['febf:ffff::1', 'fe80::/10'],
  ['fc00::1', 'fc00::/7'],
  ['fd00:ec2::254', 'fc00::/7'],
  ['fdff:ffff::1', 'fc00::/7'],
  ['fec0::1', 'fec0::/10'],
  ['ff02::1', 'ff00::/8'],
  ['ff0e::101', 'ff00::/8'],
  ['2001:db8::1', '2001:db8::/32'],
  ['3fff::1', '3fff::/20'],
  ['2001:2::1', '2001:2::/48'],
  ['100::1', '100::/64'],
  ['64:ff9b:1::a00:1', '64:ff9b:1::/48'],
  ['::ffff:127.0.0.1', '::ffff:0:0/96 (IPv4-mapped) embedding 127.0.0.1 in 127.0.0.0/8'],
  ['::ffff:7f00:1', '::ffff:0:0/96 (IPv4-mapped) embedding 127.0.0.1 in 127.0.0.0/8'],
  ['::ffff:169.254.169.254', 'embedding 169.254.169.254 in 169.254.0.0/16'],
  ['::ffff:10.1.2.3', 'embedding 10.1.2.3 in 10.0.0.0/8'],
  ['::127.0.0.1', '::/96 (IPv4-compatible (deprecated)) embedding 127.0.0.1'],
  ['::a9fe:a9fe', 'embedding 169.254.169.254'],
  ['::192.168.0.1', 'embedding 192.168.0.1'],
  ['64:ff9b::127.0.0.1', '64:ff9b::/96 (NAT64) embedding 127.0.0.1'],
  ['64:ff9b::a9fe:a9fe', 'NAT64) embedding 169.254.169.254'],
  ['2002:7f00:1::1', '2002::/16 (6to4) embedding 127.0.0.1'],
  ['2002:a9fe:a9fe::', '6to4) embedding 169.254.169.254'],
  ['2002:c0a8:101::1', '6to4) embedding 192.168.1.1'],
  // Teredo client 127.0.0.1 is stored inverted: ~0x7f000001 = 0x80fffffe.
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', '2001::/32 (Teredo) embedding 127.0.0.1'],
  ['2001:0:a00:1::1', '2001::/32 (Teredo) embedding 10.0.0.1'],
  ['::ffff:0:7f00:1', 'outside 2000::/3'],
  ['1::1', 'outside 2000::/3'],
];

const PUBLIC = [
  '93.184.215.14',
  '8.8.8.8',
  '1.1.1.1',
  '100.63.255.255',
  '100.128.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.167.255.255',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
  '::ffff:8.8.8.8',
  '64:ff9b::8.8.8.8',
  '2002:808:808::1',
  // Teredo with server 65.54.227.120 and client 8.8.8.8 (inverted f7f7:f7f7).
  '2001:0:4136:e378:8000:63bf:f7f7:f7f7',
];

describe('classifyAddress: every blocked range', () => {
  it.each(BLOCKED)('refuses %s (%s)', (address, range) => {
    const ip = parseIp(address);
    expect(ip).toBeDefined();
    const verdict = classifyAddress(ip!);
    expect(verdict.blocked).toBe(true);
    expect(verdict.range).toContain(range);
  });

  it.each(PUBLIC)('accepts the public address %s', (address) => {
    expect(classifyAddress(parseIp(address)!)).toEqual({ blocked: false });
  });
});

describe('checkReceiverUrl', () => {
  it.each(BLOCKED)('refuses https://[%s] or https://%s/ as an IP literal', async (address) => {
    const host = address.includes(':') ? `[${address}]` : address;
    const err = await refusal(`https://${host}/hook`);
    expect(err.code).toBe(WebhooksErrorCode.addressBlocked);
    expect(err.message).toContain('blocked range');
  });

  it.each(BLOCKED)('refuses a name resolving to %s, naming host, address and range', async (address, range) => {
    const resolver = fixedResolver(address);
    const err = await refusal('https://hooks.example.test/x', { resolver });
    expect(err.code).toBe(WebhooksErrorCode.addressBlocked);
    expect(err.message).toContain('hooks.example.test');
    expect(err.message).toContain(address);
    expect(err.message).toContain(range);
    expect(resolver.calls).toEqual(['hooks.example.test']);
  });

  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['https://0xa9fea9fe/latest/meta-data', '169.254.169.254'],
    ['https://[::ffff:7f00:1]/', '::ffff:7f00:1'],
    ['https://[0:0:0:0:0:ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['https://0/', '0.0.0.0'],
    ['http://127.0.0.1./', '127.0.0.1'],
    ['https://[::ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe'],
    ['https://[fd00:ec2::254]/', 'fd00:ec2::254'],
    ['https://%31%32%37.0.0.1/', '127.0.0.1'],
    ['https://１２７.0.0.1/', '127.0.0.1'],
  ])('checks the normalised host of %s (%s), without resolving it', async (url, normalised) => {
    const resolver = fixedResolver('93.184.215.14');
    const err = await refusal(url, { resolver });
    expect(err.code).toBe(WebhooksErrorCode.addressBlocked);
    expect(err.message).toContain(`address ${normalised}`);
    expect(resolver.calls).toEqual([]);
  });

  it('refuses when ANY answer is blocked, even after a public one', async () => {
    const err = await refusal('https://multi.example.test/', { resolver: fixedResolver('93.184.215.14', '10.0.0.5') });
    expect(err.code).toBe(WebhooksErrorCode.addressBlocked);
    expect(err.message).toContain('10.0.0.5');
  });

  it('a name resolving to 127.0.0.1 (localhost) is refused by the system resolver too', async () => {
    const err = await refusal('https://localhost:8443/');
    expect(err.code).toBe(WebhooksErrorCode.addressBlocked);
  });

  it.each([
    ['https://[fe80::1%25eth0]/', WebhooksErrorCode.urlInvalid],
    ['https://[fe80::1%eth0]/', WebhooksErrorCode.urlInvalid],
    ['ftp://93.184.215.14/', WebhooksErrorCode.urlInvalid],
    ['file:///etc/passwd', WebhooksErrorCode.urlInvalid],
    ['gopher://93.184.215.14:6379/_INFO', WebhooksErrorCode.urlInvalid],
    ['not a url', WebhooksErrorCode.urlInvalid],
    ['https://', WebhooksErrorCode.urlInvalid],
    [`https://a.test/${'x'.repeat(3000)}`, WebhooksErrorCode.urlInvalid],
    ['https://user:pw@93.184.215.14/', WebhooksErrorCode.urlCredentials],
    ['https://user@93.184.215.14/', WebhooksErrorCode.urlCredentials],
    ['http://93.184.215.14/', WebhooksErrorCode.httpsRequired],
  ])('refuses %s with %s', async (url, code) => {
    expect((await refusal(url, { resolver: fixedResolver('93.184.215.14') })).code).toBe(code);
  });

  it('accepts a public https receiver and connects to the first (checked) answer', async () => {
    const resolver = fixedResolver('93.184.215.14', '2606:4700:4700::1111');
    const checked = await checkReceiverUrl('https://hooks.example.test:8443/in?x=1', { resolver });
    expect(checked).toMatchObject({ hostname: 'hooks.example.test', address: '93.184.215.14', family: 4 });
    expect(checked.allowListed).toBe(false);
    expect(checked.addresses).toHaveLength(2);
    expect(resolver.calls).toHaveLength(1);
  });

  it('allows an allow-listed private address, over http only when every answer is allow-listed', async () => {
    const allowList = ['127.0.0.1/32', 'fd12:3456::/64', '10.1.0.0/16'];
    expect((await checkReceiverUrl('http://127.0.0.1:9/', { allowList })).allowListed).toBe(true);
    expect((await checkReceiverUrl('http://[fd12:3456::7]/', { allowList })).address).toBe('fd12:3456::7');
    const viaName = await checkReceiverUrl('http://onprem.test/', { allowList, resolver: fixedResolver('10.1.2.3') });
    expect(viaName.address).toBe('10.1.2.3');
    // IPv4-mapped form of an allow-listed IPv4 address.
    expect((await checkReceiverUrl('http://[::ffff:127.0.0.1]/', { allowList })).allowListed).toBe(true);
    // Only 127.0.0.1/32: 127.0.0.2 stays blocked; 10.2.x is outside 10.1/16.
    expect((await refusal('http://127.0.0.2/', { allowList })).code).toBe(WebhooksErrorCode.addressBlocked);
    expect((await refusal('https://10.2.0.1/', { allowList })).code).toBe(WebhooksErrorCode.addressBlocked);
    // A mix of allow-listed and public answers: https fine, http refused.
    const mixed = fixedResolver('10.1.2.3', '93.184.215.14');
    expect((await checkReceiverUrl('https://mixed.test/', { allowList, resolver: mixed })).allowListed).toBe(false);
    expect((await refusal('http://mixed.test/', { allowList, resolver: mixed })).code).toBe(
      WebhooksErrorCode.httpsRequired,
    );
  });

  it('a resolver failure or an empty answer is retryable webhook-resolve-failed', async () => {
    const failing: Resolver = () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    const err = await refusal('https://nowhere.test/', { resolver: failing });
    expect(err.code).toBe(WebhooksErrorCode.resolveFailed);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('ENOTFOUND');
    expect((await refusal('https://empty.test/', { resolver: fixedResolver() })).code).toBe(
      WebhooksErrorCode.resolveFailed,
    );
    expect((await refusal('https://bogus.test/', { resolver: fixedResolver('not-an-ip') })).code).toBe(
      WebhooksErrorCode.resolveFailed,
    );
  });
});

describe('allow-list and CIDR parsing', () => {
  it('parses IPv4, IPv6 and bare addresses; refuses garbage with the entry index', () => {
    expect(parseCidr('10.1.2.3/16')).toEqual({ family: 4, base: 0x0a010000n, prefix: 16 });
    expect(parseCidr('::1')).toEqual({ family: 6, base: 1n, prefix: 128 });
    expect(parseCidr('fd00::/8')?.prefix).toBe(8);
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/-1', 'example.test/24', '10.0.0/8', '', '1.2.3.4/ 8']) {
      expect(parseCidr(bad)).toBeUndefined();
    }
    expect(() => parseAllowList(['127.0.0.1/32', 'nope'])).toThrow(
      /allow-list\[1\]: "nope" is not an IPv4 or IPv6 CIDR/,
    );
  });
});

describe('properties', () => {
  const v4 = fc.integer({ min: 0, max: 0xffffffff }).map((n) => BigInt(n));
  const hex = (n: bigint, words: number): string =>
    Array.from({ length: words }, (_, i) => ((n >> BigInt(16 * (words - 1 - i))) & 0xffffn).toString(16)).join(':');

  it('an IPv4 address embedded in IPv6 (mapped, compatible, NAT64, 6to4, Teredo client) is judged as the IPv4 address', () => {
    fc.assert(
      fc.property(v4, (a) => {
        const plain = classifyAddress({ family: 4, value: a }).blocked;
        const forms = [
          `::ffff:${formatIpv4(a)}`,
          `64:ff9b::${hex(a, 2)}`,
          `2002:${hex(a, 2)}::1`,
          // Teredo with a public server (65.54.227.120) and the client inverted in the last 32 bits.
          `2001:0:4136:e378:8000:63bf:${hex(~a & 0xffffffffn, 2)}`,
        ];
        // IPv4-compatible ::a.b.c.d, except :: and ::1 (unspecified and loopback, blocked as such).
        if (a > 1n) forms.push(`::${formatIpv4(a)}`);
        for (const form of forms) expect([form, classifyAddress(parseIp(form)!).blocked]).toEqual([form, plain]);
      }),
      { numRuns: 2000 },
    );
  });

  it('an IPv4 literal in any URL form (decimal, hex, dotted) is refused exactly when its address is blocked', async () => {
    await fc.assert(
      fc.asyncProperty(v4, fc.constantFrom('decimal', 'hex', 'dotted'), async (a, form) => {
        const host = form === 'decimal' ? String(a) : form === 'hex' ? `0x${a.toString(16)}` : formatIpv4(a);
        const blocked = classifyAddress({ family: 4, value: a }).blocked;
        const outcome = await checkReceiverUrl(`https://${host}/`).then(
          (c) => c.address,
          (err: PipelineError) => err.code,
        );
        expect(outcome).toBe(blocked ? WebhooksErrorCode.addressBlocked : formatIpv4(a));
      }),
      { numRuns: 500 },
    );
  });

  it('any text as a URL is accepted or refused with a PipelineError (never another exception)', async () => {
    const resolver = fixedResolver('10.0.0.1');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.webUrl({ withQueryParameters: true, withFragments: true }),
          fc.webUrl().map((u) => `${u}:99999`),
        ),
        async (text) => {
          await checkReceiverUrl(text, { resolver }).catch((err: unknown) => {
            expect(err).toBeInstanceOf(PipelineError);
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('pinnedLookup answers only the checked address, whatever name it is asked', () => {
    const lookup = pinnedLookup('127.0.0.1', 4);
    const one = jest.fn();
    const all = jest.fn();
    lookup('evil.test', {}, one);
    lookup('other.test', { all: true }, all);
    expect(one).toHaveBeenCalledWith(null, '127.0.0.1', 4);
    expect(all).toHaveBeenCalledWith(null, [{ address: '127.0.0.1', family: 4 }]);
  });
});
