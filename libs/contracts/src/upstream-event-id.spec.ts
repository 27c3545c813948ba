import fc from 'fast-check';
import { upstreamEventId } from './upstream-event-id';
import { UpstreamEventSchema } from './upstream-event.schema';

const EVENT = { source: 'alpine', ref: 'pkg:apk/alpine/php-8.3', version: '8.3.34-r0' };

describe('upstreamEventId', () => {
  it("keeps the watchers' dedupe: one target and version is one id, whatever else the observation carries", () => {
    const target = { kind: 'watch' as const, target: 'git_tags:example/tool' };
    const id = upstreamEventId(target, EVENT);
    expect(id).toMatch(/^watch:git_tags.example.tool.8.3.34-r0:[0-9a-f]{32}$/);
    expect(upstreamEventId(target, { ...EVENT, digest: `sha256:${'a'.repeat(64)}`, vars: { VERSION: 'v1' } })).toBe(id);
    expect(upstreamEventId(target, { ...EVENT, version: '8.3.35-r0' })).not.toBe(id);
    expect(upstreamEventId({ kind: 'watch', target: 'git_tags:example.tool' }, EVENT)).not.toBe(id);
  });

  it("makes an API event's id from its whole content, in its own namespace", () => {
    const api = upstreamEventId({ kind: 'api' }, EVENT);
    expect(api).toMatch(/^api:alpine.pkg.apk.alpine.php-8.3.8.3.34-r0:[0-9a-f]{32}$/);
    expect(upstreamEventId({ kind: 'api' }, { ...EVENT, vars: { B: '2', A: '1' } })).toBe(
      upstreamEventId({ kind: 'api' }, { ...EVENT, vars: { A: '1', B: '2' } }),
    );
    for (const other of [
      { ...EVENT, source: 'mirror' },
      { ...EVENT, digest: `sha256:${'b'.repeat(64)}` },
      { ...EVENT, vars: { VERSION: '8.3.34-r0' } },
    ]) {
      expect(upstreamEventId({ kind: 'api' }, other)).not.toBe(api);
    }
    // Never an advisory's or a watcher's id, even for the same content.
    expect(upstreamEventId({ kind: 'advisory', advisory: 'CVE-2026-1', from: 'api' }, EVENT)).not.toBe(api);
    expect(upstreamEventId({ kind: 'watch', target: 'alpine' }, EVENT)).not.toBe(api);
  });

  it("puts an advisory's source in its events' ids: a feed's and the API's never collide", () => {
    const fromFeed = upstreamEventId({ kind: 'advisory', advisory: 'DSA-1-1', from: 'osv:debian' }, EVENT);
    expect(upstreamEventId({ kind: 'advisory', advisory: 'DSA-1-1', from: 'api' }, EVENT)).not.toBe(fromFeed);
    expect(
      upstreamEventId(
        { kind: 'advisory', advisory: 'DSA-1-1', from: 'osv:debian' },
        { ...EVENT, source: 'other', vars: { X: '1' } },
      ),
    ).toBe(fromFeed);
  });

  it('always fits the event id of the contract, whatever the inputs', () => {
    const text = fc.string({ maxLength: 300 });
    const origin = fc.oneof(
      fc.record({ kind: fc.constant('watch' as const), target: text }),
      fc.record({ kind: fc.constant('advisory' as const), advisory: text, from: text }),
      fc.constant({ kind: 'api' as const }),
    );
    fc.assert(
      fc.property(origin, text, text, text, (o, source, ref, version) => {
        expect(UpstreamEventSchema.shape.id.safeParse(upstreamEventId(o, { source, ref, version })).success).toBe(true);
      }),
    );
  });
});
