import { TerminalError } from '@patch-factory/contracts';
import { compileMatch, MAX_INPUT_LENGTH } from './safe-match';

describe('compileMatch', () => {
  it('extracts the version group, else the first group, else the whole match', () => {
    expect(compileMatch('^v(?<version>\\d+\\.\\d+)(-(\\w+))?$').extract('v1.2-rc')).toBe('1.2');
    expect(compileMatch('^release-(?P<version>[0-9.]+)$').extract('release-3.4.5')).toBe('3.4.5');
    expect(compileMatch('^v(\\d+\\.\\d+\\.\\d+)$').extract('v1.2.3')).toBe('1.2.3');
    expect(compileMatch('\\d+\\.\\d+').extract('go1.22 final')).toBe('1.22');
    expect(compileMatch('^v1\\.').extract('v2.0')).toBeUndefined();
  });

  it('never runs on inputs longer than the cap', () => {
    const m = compileMatch('.*');
    expect(m.extract('x'.repeat(MAX_INPUT_LENGTH))).toBe('x'.repeat(MAX_INPUT_LENGTH));
    expect(m.extract('x'.repeat(MAX_INPUT_LENGTH + 1))).toBeUndefined();
  });

  it('refuses patterns that may backtrack catastrophically, without running them', () => {
    for (const bad of [
      '(a+)+$',
      '(a*)*b',
      '(a|aa)+$',
      '((ab)*c)*',
      '(\\d+\\.?)+$',
      '(a)\\1',
      '(?<=v)1',
      'a*a*a*a*a*a*a*b',
      '(x{2,})+',
      '(?:\\.[.0-9]+)+',
      '(-[!-~]+)*',
      '(?:a|b)+',
    ]) {
      expect(() => compileMatch(bad)).toThrow(TerminalError);
    }
    for (const ok of [
      '^v?(\\d+)\\.(\\d+)\\.(\\d+)(?:-r(\\d+))?$',
      '^(?:release|rel)-(.+)$',
      '^[0-9]+(\\.[0-9]+){1,3}$',
      '^v(\\d+\\.\\d+)\\.x$',
      '^v(\\d+(?:\\.\\d+)*)$',
      '^(?<version>[0-9]+(-[a-z0-9]+)+)$',
      '(?:abc)+',
    ]) {
      expect(() => compileMatch(ok)).not.toThrow();
    }
  });

  it('refuses long, unbalanced or invalid patterns', () => {
    expect(() => compileMatch('a'.repeat(257))).toThrow(/longer than 256/);
    expect(() => compileMatch('(abc')).toThrow(/unbalanced/);
    expect(() => compileMatch('[abc')).toThrow(/unterminated/);
    expect(() => compileMatch('a{2,1}')).toThrow(/does not compile/);
    expect(() => compileMatch('a\u0000')).toThrow(/control/);
  });
});
