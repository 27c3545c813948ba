import { PipelineError } from '@patch-factory/contracts';
import { OciErrorCode } from './oci-errors';
import { fetchRegistryToken } from './registry-token';
import { parseRegistryUrl } from './registry-url';

describe('parseRegistryUrl', () => {
  it.each([
    ['https://registry.example', 'https://registry.example'],
    ['https://registry.example:8443/', 'https://registry.example:8443'],
    ['http://127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['http://[::1]:5000', 'http://[::1]:5000'],
  ])('accepts %s', (raw, origin) => {
    expect(parseRegistryUrl(raw)).toBe(origin);
  });

  it.each([
    'http://registry.example',
    'http://localhost:5000',
    'ftp://x',
    'https://u:p@registry.example',
    'https://registry.example/v2',
    'https://x?a=1',
    'nope',
    42,
  ])('refuses %j', (raw) => {
    expect(() => parseRegistryUrl(raw)).toThrow(
      expect.objectContaining({ code: OciErrorCode.invalidRegistry }) as unknown as Error,
    );
  });
});

describe('fetchRegistryToken refuses a realm it would leak credentials to', () => {
  it.each(['http://auth.example/token', 'file:///etc/passwd', 'https://u:p@auth.example/token', 'not a url'])(
    '%s',
    async (realm) => {
      const error: unknown = await fetchRegistryToken({
        challenge: { scheme: 'bearer', realm },
        defaultScope: 'repository:a:pull',
        credentials: { username: 'u', password: 'p' },
        timeoutMs: 1000,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PipelineError);
      expect((error as PipelineError).code).toBe(OciErrorCode.invalidResponse);
      expect((error as PipelineError).message).not.toContain('p@');
    },
  );
});
