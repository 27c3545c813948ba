import { SeenIds } from './webhooks-seen-ids';

describe('SeenIds', () => {
  it('reports an id seen again, and forgets the oldest beyond its capacity', () => {
    const ids = new SeenIds(3);
    expect(['a', 'b', 'a', 'c'].map((id) => ids.seen(id))).toEqual([false, false, true, false]);
    expect(ids.seen('d')).toBe(false); // evicts a
    expect(ids.size).toBe(3);
    expect(ids.seen('a')).toBe(false); // forgotten: counted as new (evicts b)
    expect(ids.seen('c')).toBe(true);
    expect(ids.seen('b')).toBe(false);
    ids.forget('b');
    expect(ids.seen('b')).toBe(false);
  });

  it('stays bounded over many ids', () => {
    const ids = new SeenIds(100);
    for (let i = 0; i < 10_000; i++) ids.seen(`msg_${i}`);
    expect(ids.size).toBe(100);
    expect(ids.seen('msg_9999')).toBe(true);
    expect(ids.seen('msg_0')).toBe(false);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new SeenIds(0)).toThrow(RangeError);
    expect(() => new SeenIds(1.5)).toThrow(RangeError);
  });
});
