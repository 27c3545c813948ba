import type { UpstreamEvent } from '@patch-factory/contracts';
import type { DefinitionDeps } from '../catalog/definition-deps';
import {
  parseImageRef,
  repositoryKeys,
  sameReleaseLine,
  splitTag,
  tagCovers,
  type ImageRef,
} from '../catalog/image-ref';
import type { VarChange } from '@patch-factory/contracts';

/** The variable changes an upstream event means for one definition, or why there are none. */
export type EventChanges = { changes: VarChange[] } | { skipped: string };

const PURL = /^pkg:(deb|apk)\/[a-z0-9.-]+\/([a-z0-9][a-z0-9+._-]*)$/;

/**
 * Works out which variables of a definition follow the event's ref, the way the catalog
 * renders them:
 * - a package: the definition pins `name=<v>`; the variable whose value is `<v>` (the pin
 *   is rendered from it) takes the new version;
 * - an image: a variable holding a reference to the same repository on the moving tag
 *   (or its release line) takes `<path>:<new tag>@<digest>`;
 * - a GitHub repository: the variables its `track:` entries `set`.
 */
export function changesForEvent(deps: DefinitionDeps, event: UpstreamEvent): EventChanges {
  const purl = PURL.exec(event.ref);
  if (purl) return packageChanges(deps, purl[1] as 'deb' | 'apk', purl[2] as string, event.version);
  const image = parseImageRef(event.ref);
  if (image?.tag && (image.host || image.path.includes('/'))) return imageChanges(deps, image.path, image.tag, event);
  if (/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(event.ref)) return trackChanges(deps, event.ref.toLowerCase(), event);
  return {
    skipped: `the ref ${JSON.stringify(event.ref.slice(0, 80))} is neither a package purl, an image reference nor owner/repo`,
  };
}

function packageChanges(deps: DefinitionDeps, ecosystem: 'deb' | 'apk', name: string, version: string): EventChanges {
  // The package itself and the binaries built from the same source (`<name>-dev`, …).
  const pins = deps.packages.filter(
    (p) => p.ecosystem === ecosystem && (p.name === name || p.name.startsWith(`${name}-`)) && !p.excluded,
  );
  if (pins.length === 0) return { skipped: `does not install ${name}` };
  const pinned = [...new Set(pins.map((p) => p.version).filter((v): v is string => v !== undefined))];
  if (pinned.length === 0) {
    // The image's own package (its name in the image's): its VERSION variable follows it.
    const image = deps.file.split('/')[1] ?? '';
    const current = deps.vars.get('VERSION');
    if (current !== undefined && (image.includes(name) || name.includes(image)))
      return { changes: [{ name: 'VERSION', old: current, new: version }] };
    return { skipped: `installs ${name} unpinned: a rebuild picks up ${version}, nothing to edit` };
  }
  const changes: VarChange[] = [];
  for (const old of pinned) {
    const holders = [...deps.vars].filter(([, value]) => value === old).map(([n]) => n);
    if (holders.length === 0) return { skipped: `pins ${name}=${old} literally: no variable renders it` };
    for (const holder of holders) changes.push({ name: holder, old, new: version });
  }
  return { changes: unique(changes) };
}

function imageChanges(deps: DefinitionDeps, path: string, movingTag: string, event: UpstreamEvent): EventChanges {
  const changes = new Map<string, VarChange>();
  const onLine = (tag: string | undefined) =>
    tag !== undefined && (tagCovers(movingTag, tag) || sameReleaseLine(movingTag, tag));
  const next = splitTag(event.version);
  // References in the definition (variables, uses:, artifacts) to the repository on the tag's line.
  const refs = [...deps.vars.values(), ...deps.images.map((i) => i.raw)]
    .map((raw) => ({ raw, ref: parseImageRef(raw) }))
    .filter(
      (r): r is { raw: string; ref: ImageRef } =>
        !!r.ref?.tag && repositoryKeys(r.ref).includes(path) && onLine(r.ref.tag),
    );
  for (const { ref } of refs) {
    const tag = ref.tag as string;
    const parts = splitTag(tag);
    for (const [name, value] of deps.vars) {
      if (changes.has(name)) continue;
      const held = parseImageRef(value);
      if (held?.tag === tag && held.path === ref.path) {
        if (held.digest && !event.digest)
          return { skipped: `${name} pins a digest and the event for ${event.ref} carries none` };
        const host = held.host ? `${held.host}/` : '';
        changes.set(name, {
          name,
          old: value,
          new: `${host}${held.path}:${event.version}${held.digest && event.digest ? `@${event.digest}` : ''}`,
        });
      } else if (ref.digest && value === ref.digest && event.digest) {
        changes.set(name, { name, old: value, new: event.digest });
      } else if (value === tag) {
        changes.set(name, { name, old: value, new: event.version });
      } else if (parts && next && value === parts.version) {
        changes.set(name, { name, old: value, new: next.version });
      }
    }
  }
  if (changes.size === 0) return { skipped: `no variable holds a reference to ${path} on ${movingTag}` };
  return { changes: [...changes.values()] };
}

/** The sources of events of GitHub track types (the watcher names an event's source after its track type). */
const GITHUB_TRACK_SOURCES: ReadonlySet<string> = new Set(['github-release', 'github-tag', 'github-repository']);

/**
 * The variables the definition's `track:` entries of the repository set: `set: VAR` takes what
 * the source computed for it, or else the version; the list (`[{var, value}]`) and record
 * (`{VAR: commit}`) forms take only what the source computed (the event's `vars`). An event of
 * one GitHub track type (a branch head) never sets what an entry of another type (a release) sets.
 */
function trackChanges(deps: DefinitionDeps, repository: string, event: UpstreamEvent): EventChanges {
  const changes: VarChange[] = [];
  const fromType = GITHUB_TRACK_SOURCES.has(event.source) ? event.source.replace(/-/g, '_') : undefined;
  for (const t of deps.trackVars) {
    if (t.repository !== repository || (fromType !== undefined && t.type !== fromType)) continue;
    const old = deps.vars.get(t.set);
    const next = t.computed ? event.vars?.[t.set] : (event.vars?.[t.set] ?? event.version);
    if (old !== undefined && next !== undefined) changes.push({ name: t.set, old, new: next });
  }
  return changes.length
    ? { changes: unique(changes) }
    : {
        skipped: `no track: entry of ${repository}${fromType ? ` of type ${fromType}` : ''} sets a variable this event carries`,
      };
}

function unique(changes: VarChange[]): VarChange[] {
  const seen = new Set<string>();
  return changes.filter((c) => !seen.has(c.name) && seen.add(c.name));
}
