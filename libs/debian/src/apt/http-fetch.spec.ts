import { checkRepositoryUrl } from './http-fetch';

function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return 'no error';
}

describe('checkRepositoryUrl', () => {
  // Every file of a repository is checked against the signed Release (and the .debs against the
  // signed index), so the transport adds nothing: http is accepted on any host, as APT does.
  it.each([
    'http://archive.example.org/debian',
    'http://archive.example.org/debian-security',
    'http://archive.example.org:8080/deb/debian/main',
    'http://mirror.example.net/llvm/trixie/',
    'http://192.0.2.10/debian',
    'http://[2001:db8::10]:8000/debian',
    'http://127.0.0.1:41234/',
    'https://archive.example.org/debian',
  ])('accepts %s', (raw) => {
    expect(checkRepositoryUrl(raw).href).toBe(new URL(raw).href);
  });

  it.each([
    ['http://user:secret@archive.example.org/debian', 'credentials in a repository URL are refused'],
    ['https://token@archive.example.org/debian', 'credentials in a repository URL are refused'],
    ['http://:secret@127.0.0.1:8080/', 'credentials in a repository URL are refused'],
    ['file:///etc', '"file:" URLs are refused'],
    ['ftp://archive.example.org/debian', '"ftp:" URLs are refused'],
    ['archive.example.org/debian', 'is not a URL'],
  ])('refuses %s (apt-url-refused)', (raw, message) => {
    expect(codeOf(() => checkRepositoryUrl(raw))).toBe('apt-url-refused');
    expect(() => checkRepositoryUrl(raw)).toThrow(message);
  });

  it('never repeats the credentials it refuses', () => {
    try {
      checkRepositoryUrl('http://user:hunter2@archive.example.org/debian');
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
      return;
    }
    throw new Error('not refused');
  });
});
