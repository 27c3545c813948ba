import { parsePackages } from './packages-parse';

const good = (name: string, version = '1.0-1') =>
  `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\nDepends: libc6 (>= 2.34),\n libssl3\nSHA256: ${'a'.repeat(64)}\nSize: 12\nFilename: pool/main/${name}.deb\n`;

describe('parsePackages', () => {
  it('parses stanzas, folded fields and CRLF', () => {
    const parsed = parsePackages(
      `${good('aa')}\n${good('bb', '2:1.0~rc1')}\r\n\r\n\n${good('cc').replace(/\n/g, '\r\n')}`,
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.packages.map((p) => [p.Package, p.Version, p.line])).toEqual([
      ['aa', '1.0-1', 1],
      ['bb', '2:1.0~rc1', 10],
      ['cc', '1.0-1', 21],
    ]);
    expect(parsed.packages[0]).toMatchObject({
      Depends: 'libc6 (>= 2.34),\nlibssl3',
      Size: 12,
      Filename: 'pool/main/aa.deb',
    });
  });

  it('keeps Conflicts, Breaks, Essential and Priority, and only when given', () => {
    const text = [
      'Package: base-files\nVersion: 12.4\nArchitecture: amd64\nEssential: yes\nPriority: required\nReplaces: base\nBreaks: initscripts (<< 2.88dsf-13.3),\n sendfile (<< 2.1b)\nConflicts: base\n',
      good('plain'),
      'Package: twice\nVersion: 1\nArchitecture: amd64\nConflicts: a\nConflicts: b\n',
    ].join('\n');
    const parsed = parsePackages(text);
    expect(parsed.packages[0]).toEqual({
      Package: 'base-files',
      Version: '12.4',
      Architecture: 'amd64',
      Essential: 'yes',
      Priority: 'required',
      Breaks: 'initscripts (<< 2.88dsf-13.3),\nsendfile (<< 2.1b)',
      Conflicts: 'base',
      line: 1,
    });
    expect(parsed.packages[1]).not.toHaveProperty('Conflicts');
    expect(parsed.packages[1]).not.toHaveProperty('Breaks');
    expect(parsed.packages[1]).not.toHaveProperty('Essential');
    expect(parsed.packages[1]).not.toHaveProperty('Priority');
    expect(parsed.problems.map((p) => [p.line, p.reason])).toEqual([[24, 'field Conflicts given twice']]);
  });

  it('skips and reports malformed stanzas with their line numbers, keeping the rest', () => {
    const text = [
      good('ok1'),
      'Package: broken\nthis line has no colon\nVersion: 1\nArchitecture: amd64\n',
      'Package: twice\nVersion: 1\nVersion: 2\nArchitecture: amd64\n',
      'Package: noversion\nArchitecture: amd64\n',
      'Package: badver\nVersion: abc\nArchitecture: amd64\n',
      ' continuation first\nPackage: x\n',
      `Package: badsha\nVersion: 1\nArchitecture: amd64\nSHA256: zz\n`,
      'Package: evil\nVersion: 1\nArchitecture: amd64\nFilename: ../../etc/passwd\n',
      'Package: Bad_Name\nVersion: 1\nArchitecture: amd64\n',
      good('ok2'),
    ].join('\n');
    const parsed = parsePackages(text);
    expect(parsed.packages.map((p) => p.Package)).toEqual(['ok1', 'ok2']);
    expect(parsed.problemCount).toBe(8);
    expect(parsed.problems.map((p) => [p.line, p.reason])).toEqual([
      [11, '"this line has no colon" is not "Field: value"'],
      [17, 'field Version given twice'],
      [20, 'package noversion has no Version field'],
      [23, 'package badver: Version "abc" is not a Debian version'],
      [27, 'continuation line before any field'],
      [30, 'package badsha: SHA256 is not 64 hex digits'],
      [35, 'package evil: Filename "../../etc/passwd" is not a relative pool path'],
      [40, 'Package "Bad_Name" is not a Debian package name'],
    ]);
  });

  it('never throws on hostile input', () => {
    for (const text of [
      '',
      '\n\n\n',
      ':',
      ' ',
      '\u0000\u0001:\u0002',
      'Package:\n',
      'a'.repeat(100_000),
      'Package: a\n'.repeat(1000),
    ]) {
      expect(() => parsePackages(text)).not.toThrow();
    }
    expect(parsePackages('Package: \u001b[31mred\nVersion: 1\nArchitecture: all\n').problems[0]?.reason).not.toContain(
      '\u001b',
    );
  });
});
