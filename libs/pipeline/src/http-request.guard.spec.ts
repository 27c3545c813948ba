import { loadConfig } from '@patch-factory/config';
import { allowedHostNames, hostNameOf, quoteForMessage } from './http-request.guard';

describe('the HTTP request guard: which Host names a service answers to', () => {
  it('reads the host name of a Host header, with or without port, IPv6 in brackets', () => {
    expect(hostNameOf('127.0.0.1:8080')).toBe('127.0.0.1');
    expect(hostNameOf('LocalHost')).toBe('localhost');
    expect(hostNameOf('[::1]:8080')).toBe('::1');
    expect(hostNameOf('[::1]')).toBe('::1');
    expect(hostNameOf('factory.example.test.:443')).toBe('factory.example.test');
    for (const bad of [undefined, '', '::1', 'a b', 'evil.example:port', 'user@host', '[::1', 'host:123456'])
      expect(hostNameOf(bad)).toBeUndefined();
  });

  it('allows loopback, PF_HTTP_HOST unless a wildcard, and PF_HTTP_ALLOWED_HOSTS', () => {
    expect([...allowedHostNames('127.0.0.1')].sort()).toEqual(['127.0.0.1', '::1', 'localhost']);
    expect(allowedHostNames('0.0.0.0').has('0.0.0.0')).toBe(false);
    expect(allowedHostNames('::').has('::')).toBe(false);
    expect(allowedHostNames('10.0.0.5').has('10.0.0.5')).toBe(true);
    const config = loadConfig({ PF_HTTP_ALLOWED_HOSTS: ' Factory.Example.test , [fd00::1],10.0.0.7' });
    expect(config.PF_HTTP_ALLOWED_HOSTS).toEqual(['Factory.Example.test', '[fd00::1]', '10.0.0.7']);
    const hosts = allowedHostNames(config.PF_HTTP_HOST, config.PF_HTTP_ALLOWED_HOSTS);
    for (const host of ['factory.example.test', 'fd00::1', '10.0.0.7', 'localhost']) expect(hosts.has(host)).toBe(true);
    expect(loadConfig({}).PF_HTTP_ALLOWED_HOSTS).toEqual([]);
  });

  it('refuses PF_HTTP_ALLOWED_HOSTS entries with ports, schemes or paths, naming the variable', () => {
    for (const bad of ['factory.example.test:443', 'https://factory.example.test', 'a/b', 'a,,b c']) {
      expect(() => loadConfig({ PF_HTTP_ALLOWED_HOSTS: bad })).toThrow(/PF_HTTP_ALLOWED_HOSTS/);
    }
  });

  it('quotes a caller-supplied value printable and short', () => {
    expect(quoteForMessage('a\nb\u0000')).toBe('"a?b?"');
    expect(quoteForMessage('x'.repeat(500)).length).toBeLessThan(110);
    expect(quoteForMessage(undefined)).toBe('(none)');
  });
});
