import { expectFailure } from '../expect-pipeline-error.fixture';
import { applyMirror } from './mirror-map';

describe('applyMirror', () => {
  const mirrors = {
    'https://deb.debian.org/debian': 'http://127.0.0.1:9000/debian',
    'https://deb.debian.org/': 'https://mirror.example.test/all/',
    'https://deb.debian.org/debian/pool-x': 'https://pool.example.test',
  };

  it.each([
    ['https://deb.debian.org/debian', 'http://127.0.0.1:9000/debian'],
    ['https://deb.debian.org/debian/sub', 'http://127.0.0.1:9000/debian/sub'],
    // A prefix matches at a path boundary only: /debian does not map /debian-security.
    ['https://deb.debian.org/debian-security', 'https://mirror.example.test/all/debian-security'],
    // The longest prefix wins.
    ['https://deb.debian.org/debian/pool-x/y', 'https://pool.example.test/y'],
    ['https://security.debian.org/debian-security', 'https://security.debian.org/debian-security'],
    ['https://deb.debian.org.evil.test/debian', 'https://deb.debian.org.evil.test/debian'],
  ])('maps %s to %s', (url, expected) => {
    expect(applyMirror(url, mirrors)).toBe(expected);
  });

  it('leaves the URL alone without mirrors', () => {
    expect(applyMirror('https://deb.debian.org/debian', undefined)).toBe('https://deb.debian.org/debian');
    expect(applyMirror('https://deb.debian.org/debian', {})).toBe('https://deb.debian.org/debian');
  });

  it.each([
    [{ 'not a url': 'https://x.test' }, 'mirrors: prefix "not a url" is not an http(s) URL'],
    [
      { 'https://deb.debian.org/debian': 'file:///srv/mirror' },
      'mirrors: replacement for https://deb.debian.org/debian "file:///srv/mirror" is not an http(s) URL',
    ],
    [
      { 'https://deb.debian.org/debian': 'https://u:p@mirror.test/' },
      'is not an http(s) URL without query, fragment or credentials',
    ],
    [{ 'https://deb.debian.org/debian?x': 'https://mirror.test/' }, 'is not an http(s) URL'],
  ])('refuses the mapping %j', (map, fragment) => {
    expectFailure(() => applyMirror('https://deb.debian.org/debian', map), 'build-repository-invalid', fragment);
  });
});
