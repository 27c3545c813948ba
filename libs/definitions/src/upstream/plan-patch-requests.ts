import { createHash } from 'node:crypto';
import { compareApkVersions } from '@patch-factory/alpine';
import { compareDebianVersions } from '@patch-factory/debian';
import type { UpstreamEvent } from '@patch-factory/contracts';
import { parseQuery, type CatalogIndex } from '../catalog/catalog-index';
import { parseImageRef } from '../catalog/image-ref';
import type { DefinitionDeps } from '../catalog/definition-deps';
import type { VarChange } from '@patch-factory/contracts';
import { changesForEvent } from './event-changes';
import { imageStreamOf } from './image-stream';
import { compareUpstreamVersions } from './upstream-version';

export interface PatchRequestFile {
  file: string;
  changes: VarChange[];
}

/** The planned change to one image stream (DESIGN.md): its variants' edits, one branch, one PR. */
export interface PatchRequest {
  /** Deterministic: the same event and stream always make the same id. */
  id: string;
  stream: string;
  eventId: string;
  ref: string;
  version: string;
  /**
   * The severity of the advisory the event fixes (absent: a plain update): what the auto-merge
   * policy reads. Only trusted: the planner gives planPatchRequests an event whose advisory and
   * severity come from the stored advisory (libs/patching trusted-event.ts), never a caller's.
   */
  severity?: NonNullable<UpstreamEvent['severity']>;
  advisory?: string;
  files: PatchRequestFile[];
}

export interface PatchPlan {
  requests: PatchRequest[];
  /** Affected definitions with nothing to edit, and why (reported, never dropped silently). */
  skipped: { file: string; reason: string }[];
}

const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Whether `next` is newer than `current` in the ref's own version order. */
function isUpgrade(ref: string, current: string, next: string): boolean {
  // Commits have no order: a track's commit variable follows its version.
  if (COMMIT.test(current) && COMMIT.test(next)) return true;
  try {
    if (ref.startsWith('pkg:deb/')) return compareDebianVersions(next, current) > 0;
    if (ref.startsWith('pkg:apk/')) return compareApkVersions(next, current) > 0;
  } catch {
    // A value that is not a version of the ecosystem (a variable holding a digest): ordered as upstream text.
  }
  const bare = (v: string) => {
    const withoutDigest = v.replace(/@?sha256:[0-9a-f]{64}$/, '');
    return parseImageRef(withoutDigest)?.tag ?? withoutDigest;
  };
  const [a, b] = [bare(next), bare(current)];
  // A digest alone has no order; an unchanged tag with a new digest is a rebuild of it.
  if (a === '' || b === '' || a === b) return true;
  return compareUpstreamVersions(a, b) > 0;
}

/** A PatchRequest id: `pr_` and 20 hex digits of sha256(event id, stream). */
export function patchRequestId(eventId: string, stream: string): string {
  return `pr_${createHash('sha256').update(`${eventId}\n${stream}`).digest('hex').slice(0, 20)}`;
}

/**
 * Plans an upstream event: the definitions the index finds affected, the variable changes
 * each needs, grouped into one PatchRequest per image stream (its variants together).
 * Definitions already at the new version, or with nothing that renders the ref, are
 * reported in `skipped`.
 */
export function planPatchRequests(
  index: CatalogIndex,
  depsOf: (file: string) => DefinitionDeps | undefined,
  event: UpstreamEvent,
): PatchPlan {
  const plan: PatchPlan = { requests: [], skipped: [] };
  const byStream = new Map<string, PatchRequestFile[]>();
  const query = parseQuery(event.ref);
  if (query.kind === 'package') query.family = true;
  for (const { file } of index.affected(query)) {
    const deps = depsOf(file);
    const stream = imageStreamOf(file);
    if (!deps || !stream) {
      plan.skipped.push({ file, reason: 'not a definition of the catalog layout' });
      continue;
    }
    const found = changesForEvent(deps, event);
    if ('skipped' in found) {
      plan.skipped.push({ file, reason: found.skipped });
      continue;
    }
    const changes = found.changes.filter((c) => c.old !== c.new);
    if (changes.length === 0) {
      plan.skipped.push({ file, reason: `already at ${event.version}` });
      continue;
    }
    // A branch head has no order (the watcher takes any other head as newer): nothing it sets is a downgrade.
    const older =
      event.source === 'github-repository' ? undefined : changes.find((c) => !isUpgrade(event.ref, c.old, c.new));
    if (older) {
      plan.skipped.push({
        file,
        reason: `${older.name} is at ${older.old}, newer than ${older.new}: never a downgrade`,
      });
      continue;
    }
    const files = byStream.get(stream) ?? [];
    files.push({ file, changes });
    byStream.set(stream, files);
  }
  for (const [stream, files] of [...byStream].sort(([a], [b]) => (a < b ? -1 : 1))) {
    plan.requests.push({
      id: patchRequestId(event.id, stream),
      stream,
      eventId: event.id,
      ref: event.ref,
      version: event.version,
      ...(event.severity ? { severity: event.severity } : {}),
      ...(event.advisory ? { advisory: event.advisory } : {}),
      files,
    });
  }
  return plan;
}
