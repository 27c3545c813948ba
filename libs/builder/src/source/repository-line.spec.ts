import { expectFailure } from '../expect-pipeline-error.fixture';
import { parseRepositoryLine } from './repository-line';

const WHERE = 'contents.repositories[3]';
const invalid = (line: string, fragment: string) =>
  expectFailure(() => parseRepositoryLine(line, WHERE), 'build-repository-invalid', fragment);

describe('parseRepositoryLine', () => {
  it('parses a full line with signed-by= and arch=', () => {
    expect(
      parseRepositoryLine(
        'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg arch=amd64,arm64] https://deb.debian.org/debian bookworm main contrib',
        WHERE,
      ),
    ).toEqual({
      url: 'https://deb.debian.org/debian',
      suite: 'bookworm',
      components: ['main', 'contrib'],
      signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
      architectures: ['amd64', 'arm64'],
    });
  });

  it.each([
    [
      'deb https://deb.debian.org/debian/ bookworm main',
      { url: 'https://deb.debian.org/debian', suite: 'bookworm', components: ['main'] },
    ],
    [
      '  deb\thttps://DEB.debian.org/debian-security  bookworm-security   main  ',
      { url: 'https://deb.debian.org/debian-security', suite: 'bookworm-security', components: ['main'] },
    ],
    [
      'deb [ arch=arm64 ] https://deb.debian.org/debian bookworm main',
      { url: 'https://deb.debian.org/debian', suite: 'bookworm', components: ['main'], architectures: ['arm64'] },
    ],
    [
      'deb [signed-by=pf.gpg]https://example.test/apt stable/updates non-free-firmware',
      {
        url: 'https://example.test/apt',
        suite: 'stable/updates',
        components: ['non-free-firmware'],
        signedBy: 'pf.gpg',
      },
    ],
    [
      'deb http://127.0.0.1:8080 bookworm main',
      { url: 'http://127.0.0.1:8080', suite: 'bookworm', components: ['main'] },
    ],
  ])('parses %j', (line, expected) => {
    expect(parseRepositoryLine(line, WHERE)).toEqual(expected);
  });

  it.each([
    [
      'deb-src https://deb.debian.org/debian bookworm main',
      'contents.repositories[3]: deb-src lines are not supported',
    ],
    ['rpm https://example.test/ x main', 'starts with "rpm"'],
    ['', 'is empty'],
    ['deb', 'has no repository URL'],
    ['deb https://deb.debian.org/debian', 'has no suite after https://deb.debian.org/debian'],
    ['deb https://deb.debian.org/debian bookworm', 'has no component after the suite'],
    ['deb https://deb.debian.org/debian ./', 'flat repositories are not supported'],
    ['deb https://deb.debian.org/debian ../../etc main', 'suite "../../etc" is not a suite name'],
    ['deb https://deb.debian.org/debian bookworm main/../x', 'component "main/../x" is not a component name'],
    ['deb https://deb.debian.org/debian bookworm main main', 'component main is given twice'],
    ['deb [trusted=yes] https://evil.test/ bookworm main', 'option trusted= would weaken the signature checks'],
    ['deb [allow-insecure=yes] https://evil.test/ bookworm main', 'option allow-insecure= would weaken'],
    ['deb [check-valid-until=no] https://evil.test/ bookworm main', 'option check-valid-until= would weaken'],
    [
      'deb [lang=de] https://deb.debian.org/debian bookworm main',
      'unknown option "lang=de": only signed-by= and arch= are supported',
    ],
    ['deb [arch+=i386] https://deb.debian.org/debian bookworm main', 'the += and -= forms are not supported'],
    ['deb [arch=amd64 arch=arm64] https://deb.debian.org/debian bookworm main', 'option arch= is given twice'],
    ['deb [arch=] https://deb.debian.org/debian bookworm main', 'option arch= has no value'],
    ['deb [arch=AMD64] https://deb.debian.org/debian bookworm main', '"AMD64" is not an architecture name'],
    ['deb [arch=amd64 https://deb.debian.org/debian bookworm main', 'the option list "[" is never closed'],
    ['deb [arch=[amd64]] https://deb.debian.org/debian bookworm main', '"[" inside the option list'],
    ['deb [signed-by=../../etc/evil.gpg] https://deb.debian.org/debian bookworm main', 'not a relative path'],
    [
      'deb [signed-by=/usr/share/keyrings/../../../etc/evil.gpg] https://deb.debian.org/debian bookworm main',
      'is not a keyring file name',
    ],
    ['deb [signed-by=..] https://deb.debian.org/debian bookworm main', 'is not a keyring file name'],
    ['deb [signed-by=.hidden.gpg] https://deb.debian.org/debian bookworm main', 'is not a keyring file name'],
    ['deb [signed-by=a.gpg,b.gpg] https://deb.debian.org/debian bookworm main', 'give one keyring file, not a list'],
    ['deb [signed-by=/usr/share/keyrings/] https://deb.debian.org/debian bookworm main', 'is not a keyring file name'],
    ['deb ftp://ftp.debian.org/debian bookworm main', '"ftp:" URLs are refused'],
    ['deb file:///srv/apt bookworm main', '"file:" URLs are refused'],
    ['deb https://user:secret@example.test/apt bookworm main', 'credentials in a repository URL are refused'],
    ['deb https://example.test/apt?x=1 bookworm main', 'a repository URL has no query or fragment'],
    ['deb https://example.test/apt# bookworm main', 'a repository URL has no query or fragment'],
    ['deb not-a-url bookworm main', '"not-a-url" is not a URL'],
  ])('refuses %j', (line, fragment) => {
    invalid(line, fragment);
  });

  it('refuses control characters, naming the character and the column', () => {
    invalid('deb https://deb.debian.org/debian bookworm main\nevil', 'control character U+000A at column 48');
    invalid('deb https://deb.debian.org/debian bookworm\r main', 'U+000D');
    invalid('deb https://deb.debian.org/debian\u0000 bookworm main', 'U+0000');
    invalid('deb https://deb.debian.org/debian bookworm main\u202e', 'U+202E');
    invalid('deb https://deb.debian.org/debian bookworm \u009bmain', 'U+009B');
  });

  it('refuses over-long lines without echoing them', () => {
    let caught: unknown;
    try {
      parseRepositoryLine(`deb https://example.test/${'a'.repeat(5000)} bookworm main`, WHERE);
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toBe(
      'contents.repositories[3]: is 5039 characters long; a repository line has at most 2048',
    );
  });

  it('shows hostile text shortened', () => {
    let caught: unknown;
    try {
      parseRepositoryLine(`deb [x=${'y'.repeat(300)}] https://example.test/ bookworm main`, WHERE);
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message.length).toBeLessThan(200);
    expect((caught as Error).message).toContain('contents.repositories[3]: unknown option "x=yyy');
  });

  it('names the line in every message', () => {
    expectFailure(
      () => parseRepositoryLine('deb x', 'contents.repositories[0]'),
      'build-repository-invalid',
      'contents.repositories[0]: ',
    );
  });
});
