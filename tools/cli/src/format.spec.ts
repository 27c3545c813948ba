import { ago, duration, isoTime, table } from './format';

describe('format', () => {
  it('writes durations for people', () => {
    expect(
      [0, 999, 1000, 4250, 59_999, 60_000, 187_000, 3_600_000, 7_500_000, 86_400_000 * 3 + 3_600_000 * 4].map(duration),
    ).toEqual(['0ms', '999ms', '1.0s', '4.2s', '59.9s', '1m00s', '3m07s', '1h00m', '2h05m', '3d04h']);
    expect(duration(-5)).toBe('0ms');
    expect(duration(Number.NaN)).toBe('-');
  });

  it('writes times and ages, and survives times a Date cannot hold', () => {
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoTime(1e20)).toBe('?');
    expect(isoTime(undefined)).toBe('-');
    expect(ago(1000, 61_000)).toBe('1m00s ago');
    expect(ago(2000, 1000)).toBe('just now');
  });

  it('aligns table columns', () => {
    expect(
      table(
        ['A', 'BB', 'C'],
        [
          ['long', 'x', 'y'],
          ['s', 'yyy', ''],
        ],
      ),
    ).toEqual(['A     BB   C', 'long  x    y', 's     yyy']);
  });
});
