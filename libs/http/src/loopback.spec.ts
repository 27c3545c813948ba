import { isLoopbackAddress, isLoopbackHost } from './loopback';

describe('loopback hosts', () => {
  it.each(['127.0.0.1', '127.1.2.3', '[::1]', '::1'])('%s is a loopback address', (host) => {
    expect(isLoopbackAddress(host)).toBe(true);
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['10.0.0.1', '[::2]', 'example.com', '127.example.com', '[::ffff:127.0.0.1]', ''])(
    '%s is not loopback',
    (host) => {
      expect(isLoopbackAddress(host)).toBe(false);
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  it('takes localhost as a loopback host, not as an address', () => {
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackAddress('localhost')).toBe(false);
  });
});
