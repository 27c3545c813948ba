import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './api-client';
import { apiToken } from './api-token';

const TOKEN = `pf_0123456789abcdef_${'x'.repeat(43)}`;
const LOCAL = new URL('http://127.0.0.1:8080/');

describe('where the CLI takes its API token from', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pf-cli-token-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes PF_TOKEN, else a PF_TOKEN_FILE of mode 0600; none is no token', () => {
    expect(apiToken({ PF_TOKEN: TOKEN }, LOCAL)).toBe(TOKEN);
    const file = join(dir, 'ok');
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    expect(apiToken({ PF_TOKEN_FILE: file }, LOCAL)).toBe(TOKEN);
    expect(apiToken({}, LOCAL)).toBeUndefined();
  });

  it('refuses a token file others can read, a missing file and a file holding no token', () => {
    const open = join(dir, 'open');
    writeFileSync(open, TOKEN);
    chmodSync(open, 0o644);
    expect(() => apiToken({ PF_TOKEN_FILE: open }, LOCAL)).toThrow(/readable by others \(mode 0644\); chmod 600/);
    expect(() => apiToken({ PF_TOKEN_FILE: join(dir, 'none') }, LOCAL)).toThrow(/no such file/);
    const junk = join(dir, 'junk');
    writeFileSync(junk, 'hunter2', { mode: 0o600 });
    expect(() => apiToken({ PF_TOKEN_FILE: junk }, LOCAL)).toThrow(ConfigError);
  });

  it('never sends a token over plain http to a host that is not loopback', () => {
    expect(() => apiToken({ PF_TOKEN: TOKEN }, new URL('http://factory.example.org/'))).toThrow(/in clear; use https/);
    expect(apiToken({ PF_TOKEN: TOKEN }, new URL('https://factory.example.org/'))).toBe(TOKEN);
    expect(apiToken({ PF_TOKEN: TOKEN }, new URL('http://[::1]:8080/'))).toBe(TOKEN);
  });
});
