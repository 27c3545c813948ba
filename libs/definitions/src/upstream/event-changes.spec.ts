import type { UpstreamEvent } from '@patch-factory/contracts';
import { CatalogIndex } from '../catalog/catalog-index';
import { definitionDeps } from '../catalog/definition-deps';
import { changesForEvent } from './event-changes';
import { imageStreamOf } from './image-stream';
import { patchRequestId, planPatchRequests } from './plan-patch-requests';

const event = (ref: string, version: string, digest?: string): UpstreamEvent => ({
  id: 'ev-1',
  source: 'test',
  ref,
  version,
  firstSeenAt: 1,
  ...(digest ? { digest } : {}),
});
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('changesForEvent', () => {
  it('follows a package pin to the variable that renders it, the -dev binary too', () => {
    const deps = definitionDeps('image/tool/debian-13/3.7-dev.yaml', {
      vars: { VERSION: '3.7.6-2', OTHER: '1' },
      contents: { packages: ['tool-3.7-dev=3.7.6-2'] },
    });
    expect(changesForEvent(deps, event('pkg:deb/debian/tool-3.7', '3.7.9-0'))).toEqual({
      changes: [{ name: 'VERSION', old: '3.7.6-2', new: '3.7.9-0' }],
    });
  });

  it('says why when nothing renders the ref', () => {
    const literal = definitionDeps('image/x/debian-13/1.yaml', {
      vars: {},
      contents: { packages: ['openssl=3.0.1-1'] },
    });
    expect(changesForEvent(literal, event('pkg:deb/debian/openssl', '3.0.2-1'))).toEqual({
      skipped: 'pins openssl=3.0.1-1 literally: no variable renders it',
    });
    const unpinned = definitionDeps('image/x/debian-13/1.yaml', {
      vars: { VERSION: '1.0' },
      contents: { packages: ['openssl'] },
    });
    expect(changesForEvent(unpinned, event('pkg:deb/debian/openssl', '3.0.2-1'))).toMatchObject({
      skipped: expect.stringContaining('unpinned') as unknown,
    });
    expect(changesForEvent(unpinned, event('$(x)', '1'))).toMatchObject({
      skipped: expect.stringContaining('neither') as unknown,
    });
  });

  it('moves an image reference to the new tag and digest, and the variables holding its parts', () => {
    const deps = definitionDeps('image/app/debian-13/2.yaml', {
      vars: {
        GO_REFERENCE: `dhi/golang:1.26.5-debian13-dev@${D1}`,
        DIGEST: D1,
        GO_VERSION: '1.26.5',
        UNRELATED: 'dhi/golang:1.25.0-debian12-dev',
      },
    });
    expect(changesForEvent(deps, event('dhi/golang:1-debian13-dev', '1.26.6-debian13-dev', D2))).toEqual({
      changes: [
        {
          name: 'GO_REFERENCE',
          old: `dhi/golang:1.26.5-debian13-dev@${D1}`,
          new: `dhi/golang:1.26.6-debian13-dev@${D2}`,
        },
        { name: 'DIGEST', old: D1, new: D2 },
        { name: 'GO_VERSION', old: '1.26.5', new: '1.26.6' },
      ],
    });
    // A pinned digest needs the new one: the event without it changes nothing.
    expect(changesForEvent(deps, event('dhi/golang:1-debian13-dev', '1.26.6-debian13-dev'))).toMatchObject({
      skipped: expect.stringContaining('carries none') as unknown,
    });
  });

  it('sets the variable a track: entry of a GitHub repository names', () => {
    const deps = definitionDeps('image/t/debian-13/1.yaml', {
      vars: { TOOL_VERSION: 'v1.2.3' },
      track: [{ type: 'github_release', owner: 'Org', repo: 'Tool', set: 'TOOL_VERSION' }],
    });
    expect(changesForEvent(deps, event('org/tool', 'v1.3.0'))).toEqual({
      changes: [{ name: 'TOOL_VERSION', old: 'v1.2.3', new: 'v1.3.0' }],
    });
  });

  it('sets the variables of the list and record forms of set: from what the source computed, each from its own track type', () => {
    const OLD = 'a1'.repeat(20);
    const NEW = 'b2'.repeat(20);
    const deps = definitionDeps('image/t/debian-13/1.yaml', {
      vars: { TOOL_VERSION: 'v1.2.3', TOOL_COMMIT: OLD, SOURCE_COMMIT: OLD, SOURCE_DATE: '20260101', UNTRACKED: 'x' },
      track: [
        {
          type: 'github_release',
          owner: 'Org',
          repo: 'Tool',
          set: [{ var: 'TOOL_VERSION', value: 'tag' }, { var: 'TOOL_COMMIT', value: 'commit' }, { var: 7 }],
        },
        {
          type: 'github_repository',
          owner: 'org',
          repo: 'tool',
          branch: 'main',
          set: { SOURCE_COMMIT: 'commit', SOURCE_DATE: 'date', 'BAD-NAME': 'commit' },
        },
      ],
    });
    expect(deps.trackVars).toEqual([
      { type: 'github_release', repository: 'org/tool', set: 'TOOL_VERSION', computed: true },
      { type: 'github_release', repository: 'org/tool', set: 'TOOL_COMMIT', computed: true },
      { type: 'github_repository', repository: 'org/tool', set: 'SOURCE_COMMIT', computed: true },
      { type: 'github_repository', repository: 'org/tool', set: 'SOURCE_DATE', computed: true },
    ]);
    // A branch head sets only what the github_repository entry names, never the release's variables.
    const head: UpstreamEvent = {
      ...event('org/tool', NEW),
      source: 'github-repository',
      vars: { SOURCE_COMMIT: NEW, SOURCE_DATE: '20260304', TOOL_COMMIT: NEW },
    };
    expect(changesForEvent(deps, head)).toEqual({
      changes: [
        { name: 'SOURCE_COMMIT', old: OLD, new: NEW },
        { name: 'SOURCE_DATE', old: '20260101', new: '20260304' },
      ],
    });
    // A release sets the list form's variables from its vars; a computed variable the event lacks is left alone (never the version).
    const release: UpstreamEvent = {
      ...event('org/tool', '1.3.0'),
      source: 'github-release',
      vars: { TOOL_VERSION: 'v1.3.0' },
    };
    expect(changesForEvent(deps, release)).toEqual({
      changes: [{ name: 'TOOL_VERSION', old: 'v1.2.3', new: 'v1.3.0' }],
    });
    expect(changesForEvent(deps, { ...head, vars: {} })).toEqual({
      skipped: 'no track: entry of org/tool of type github_repository sets a variable this event carries',
    });
  });

  it('plans a moved branch head even when a computed value sorts lower (a head has no order)', () => {
    const deps = [
      definitionDeps('image/t/debian-13/1.yaml', {
        vars: { SHORT: '0123456789ab' },
        track: [{ type: 'github_repository', owner: 'org', repo: 'tool', set: { SHORT: 'short-commit' } }],
      }),
    ];
    const byFile = new Map(deps.map((d) => [d.file, d]));
    const head: UpstreamEvent = {
      ...event('org/tool', 'fedcba987654'.padEnd(40, '0')),
      source: 'github-repository',
      vars: { SHORT: 'fedcba987654' },
    };
    const plan = planPatchRequests(CatalogIndex.build(deps), (f) => byFile.get(f), head);
    expect(plan.skipped).toEqual([]);
    expect(plan.requests[0]?.files).toEqual([
      { file: 'image/t/debian-13/1.yaml', changes: [{ name: 'SHORT', old: '0123456789ab', new: 'fedcba987654' }] },
    ]);
  });
});

describe('planPatchRequests', () => {
  it('groups the variants of one image stream into one PatchRequest with a deterministic id', () => {
    const files = [
      'image/php/alpine-3.23/8.3.yaml',
      'image/php/alpine-3.23/8.3-dev.yaml',
      'image/php/alpine-3.23/8.3-fpm.yaml',
      'image/php/alpine-3.23/8.2.yaml',
    ];
    const all = files.map((f) =>
      definitionDeps(f, {
        vars: { VERSION: f.includes('8.2') ? '8.2.32-r0' : '8.3.32-r0' },
        contents: { packages: [f.includes('8.2') ? 'php-8.2=8.2.32-r0' : 'php-8.3=8.3.32-r0'] },
      }),
    );
    const byFile = new Map(all.map((d) => [d.file, d]));
    const plan = planPatchRequests(
      CatalogIndex.build(all),
      (f) => byFile.get(f),
      event('pkg:apk/alpine/php-8.3', '8.3.33-r0'),
    );
    expect(plan.requests).toHaveLength(1);
    expect(plan.requests[0]).toMatchObject({
      stream: 'image/php/alpine-3.23/8.3',
      id: patchRequestId('ev-1', 'image/php/alpine-3.23/8.3'),
    });
    expect(plan.requests[0]?.files.map((f) => f.file).sort()).toEqual(files.slice(0, 3).sort());
    expect(patchRequestId('ev-1', 'image/php/alpine-3.23/8.3')).toMatch(/^pr_[0-9a-f]{20}$/);
    expect(patchRequestId('ev-2', 'image/php/alpine-3.23/8.3')).not.toBe(plan.requests[0]?.id);
    // Already at the version: reported, not planned.
    const again = planPatchRequests(
      CatalogIndex.build(all),
      (f) => byFile.get(f),
      event('pkg:apk/alpine/php-8.3', '8.3.32-r0'),
    );
    expect(again.requests).toEqual([]);
    expect(again.skipped.map((s) => s.reason)).toEqual([
      'already at 8.3.32-r0',
      'already at 8.3.32-r0',
      'already at 8.3.32-r0',
    ]);
  });

  it("never plans a downgrade, in the ecosystem's own version order", () => {
    const deps = [
      definitionDeps('image/php/alpine-3.23/8.3.yaml', {
        vars: { VERSION: '8.3.10-r0' },
        contents: { packages: ['php-8.3=8.3.10-r0'] },
      }),
    ];
    const byFile = new Map(deps.map((d) => [d.file, d]));
    const older = planPatchRequests(
      CatalogIndex.build(deps),
      (f) => byFile.get(f),
      event('pkg:apk/alpine/php-8.3', '8.3.9-r5'),
    );
    expect(older.requests).toEqual([]);
    expect(older.skipped[0]?.reason).toBe('VERSION is at 8.3.10-r0, newer than 8.3.9-r5: never a downgrade');
    // 8.3.10 is newer than 8.3.9 although it sorts lower as text.
    const newer = planPatchRequests(
      CatalogIndex.build(deps),
      (f) => byFile.get(f),
      event('pkg:apk/alpine/php-8.3', '8.3.11-r0'),
    );
    expect(newer.requests).toHaveLength(1);
  });

  it('knows the stream of a path and refuses paths outside the layout', () => {
    expect(imageStreamOf('image/wordpress/alpine-3.22/6.9-php8.3-fpm-dev.yaml')).toBe(
      'image/wordpress/alpine-3.22/6.9',
    );
    expect(imageStreamOf('image/../etc/passwd.yaml')).toBeUndefined();
    expect(imageStreamOf('other/x/y/1.yaml')).toBeUndefined();
  });
});
