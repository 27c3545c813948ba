import type { OsvAdvisory } from '@patch-factory/contracts';
import {
  AdvisoryDocumentRefusedError,
  type AdvisoryDocumentOrigin,
  type AdvisoryRepository,
} from '@patch-factory/store';

/** A package of the distributions the factory builds from (the ecosystem with or without release, or its purl). */
const DISTRO_ECOSYSTEM = /^(Debian|Alpine)(:|$)/;
const DISTRO_PURL = /^pkg:(deb|apk)\//;

/**
 * True when an entry of a Debian or Alpine package is affected with no fix yet: a range whose
 * last event opens it (`introduced`) with no `fixed`, `last_affected` or `limit` after it (an
 * open issue of the Debian security tracker: `introduced: "0"` alone).
 */
export function hasUnfixedDistroEntry(osv: OsvAdvisory): boolean {
  return osv.affected.some(
    (a) =>
      (DISTRO_ECOSYSTEM.test(a.package.ecosystem) || DISTRO_PURL.test(a.package.purl ?? '')) &&
      (a.ranges ?? []).some(
        (r) => r.type !== 'GIT' && r.events.length > 0 && r.events.at(-1)?.introduced !== undefined,
      ),
  );
}

/**
 * Keeps the OSV document of an advisory nothing can be patched to yet, when it is an unfixed
 * Debian / Alpine issue: the scan matches it (an image with the package is affected, not
 * fixable). No advisory record is written: that record holds when a fix became available,
 * and there is none yet (it is written when the fix arrives). Returns the rejection of a
 * document too large to keep; nothing otherwise. `origin`: the feed it came from (the store keeps documents per source).
 */
export async function keepUnfixedAdvisory(
  advisories: Pick<AdvisoryRepository, 'saveDocument'>,
  osv: OsvAdvisory,
  origin: AdvisoryDocumentOrigin,
): Promise<{ value: string; reason: string }[]> {
  if (!hasUnfixedDistroEntry(osv)) return [];
  try {
    await advisories.saveDocument(osv, origin);
    return [];
  } catch (error) {
    if (!(error instanceof AdvisoryDocumentRefusedError)) throw error;
    return [{ value: osv.id, reason: error.message }];
  }
}
