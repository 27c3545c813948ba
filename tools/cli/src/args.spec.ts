import { UsageError, choiceFlag, expectPositionals, intFlag, parseArgs, stringsFlag } from './args';

describe('parseArgs', () => {
  const spec = { limit: 'string', json: 'boolean' } as const;

  it('reads positionals, boolean flags and both value forms', () => {
    const a = parseArgs(['x', '--limit', '5', '--json', 'y'], spec, 'cmd');
    expect(a.positionals).toEqual(['x', 'y']);
    expect([...a.flags]).toEqual([
      ['limit', '5'],
      ['json', true],
    ]);
    expect([...parseArgs(['--limit=7'], spec, 'cmd').flags]).toEqual([['limit', '7']]);
  });

  it('treats everything after -- as positionals (ids may start with a dash)', () => {
    expect(parseArgs(['--', '-abc', '--json'], spec, 'cmd').positionals).toEqual(['-abc', '--json']);
  });

  it.each([
    [['--nope'], 'unknown flag "--nope" for cmd'],
    [['--nope=1'], 'unknown flag "--nope" for cmd'],
    [['-j'], 'unknown flag "-j" for cmd'],
    [['--limit'], '--limit needs a value'],
    [['--limit', '--json'], '--limit needs a value'],
    [['--limit='], '--limit needs a value'],
    [['--json=yes'], '--json takes no value'],
    [['--json', '--json'], '--json is given more than once'],
    [['--constructor'], 'unknown flag "--constructor" for cmd'],
  ])('%j: %s', (argv, message) => {
    expect(() => parseArgs(argv, spec, 'cmd')).toThrow(new UsageError(message));
  });

  it('checks positionals, integers and choices', () => {
    const a = parseArgs(['one', '--limit', '1000'], spec, 'cmd');
    expect(expectPositionals(a, ['id'], 'cmd')).toEqual(['one']);
    expect(() => expectPositionals(a, [], 'cmd')).toThrow('unexpected argument "one" for cmd');
    expect(() => expectPositionals(a, ['id', 'other'], 'cmd')).toThrow('cmd needs <other>');
    expect(intFlag(a, 'limit', 1, 1000, 'cmd')).toBe(1000);
    for (const bad of ['0', '1001', '-1', '1.5', '1e3', ' 5', '0x10']) {
      expect(() => intFlag(parseArgs([`--limit=${bad}`], spec, 'cmd'), 'limit', 1, 1000, 'cmd')).toThrow(UsageError);
    }
    expect(choiceFlag(parseArgs(['--limit=b'], spec, 'cmd'), 'limit', ['a', 'b'], 'cmd')).toBe('b');
    expect(() => choiceFlag(parseArgs(['--limit=c'], spec, 'cmd'), 'limit', ['a', 'b'], 'cmd')).toThrow(
      '--limit must be one of a, b, not "c"',
    );
  });

  it('keeps every value of a repeatable (strings) flag, in order, and still refuses other repeats', () => {
    const many = { secret: 'strings', json: 'boolean' } as const;
    const a = parseArgs(['--secret', 'new', '--secret=old'], many, 'cmd');
    expect(stringsFlag(a, 'secret')).toEqual(['new', 'old']);
    expect(stringsFlag(parseArgs([], many, 'cmd'), 'secret')).toEqual([]);
    expect(() => parseArgs(['--secret'], many, 'cmd')).toThrow('--secret needs a value');
    expect(() => parseArgs(['--json', '--json'], many, 'cmd')).toThrow('--json is given more than once');
  });
});
