import { parseImageReference } from '@patch-factory/oci';
import type { Finding } from '../match';
import type { VexComponent, VexDocument, VexProduct, VexStatement, VexStatus } from './openvex-parse';
import { IMAGE_TYPES, type Purl } from './purl';

/** The VEX statement that decided about a finding. */
export interface VexVerdict {
  status: VexStatus;
  justification?: string;
  impactStatement?: string;
  actionStatement?: string;
  statusNotes?: string;
  statementId?: string;
  /** Where the statement is (`<file> statements[3]`). */
  where: string;
}

export interface VexedFinding extends Finding {
  /** Present when a statement applies: `affected` (confirmed) or `under_investigation`. */
  vex?: VexVerdict;
}

export interface VexOutcome {
  /** Findings that stand: no statement, `affected` or `under_investigation` (marked). */
  findings: VexedFinding[];
  /** Findings a statement suppressed (`not_affected`, `fixed`), with it. */
  suppressed: { finding: Finding; vex: VexVerdict }[];
}

/** The image the findings are of; an image product in a statement must name it (digest when both have one). */
export interface VexImage {
  name: string;
  digest?: string;
}

/**
 * Applies OpenVEX statements to findings. A statement applies to a finding when one of its
 * vulnerability names is the finding's id or an alias, and one of its products is the package
 * (a deb/apk purl whose name is the binary or the source package, and whose version, when it has
 * one, is the installed or the source version; qualifiers are ignored), or an image product
 * (oci/docker purl) naming `image` whose subcomponents hold the package, or which has none (the
 * whole image). Among the statements that apply, the latest (timestamp, then document order) wins.
 */
export function applyVex(findings: readonly Finding[], documents: readonly VexDocument[], image?: VexImage): VexOutcome {
  const byName = new Map<string, { st: VexStatement; order: number; time: number }[]>();
  let order = 0;
  for (const doc of documents) {
    for (const st of doc.statements) {
      const entry = { st, order: order++, time: st.timestamp ? Date.parse(st.timestamp) : Number.NEGATIVE_INFINITY };
      for (const name of new Set(st.names)) {
        const list = byName.get(name);
        if (list) list.push(entry);
        else byName.set(name, [entry]);
      }
    }
  }
  const out: VexOutcome = { findings: [], suppressed: [] };
  for (const f of findings) {
    let best: { st: VexStatement; order: number; time: number } | undefined;
    for (const name of [f.id, ...f.aliases]) {
      for (const c of byName.get(name) ?? []) {
        if (!c.st.products.some((p) => productApplies(p, f, image))) continue;
        const time = Number.isNaN(c.time) ? Number.NEGATIVE_INFINITY : c.time;
        if (!best || time > best.time || (time === best.time && c.order > best.order)) best = { ...c, time };
      }
    }
    if (!best) {
      out.findings.push({ ...f });
      continue;
    }
    const vex = verdictOf(best.st);
    if (vex.status === 'not_affected' || vex.status === 'fixed') out.suppressed.push({ finding: f, vex });
    else out.findings.push({ ...f, vex });
  }
  return out;
}

function verdictOf(st: VexStatement): VexVerdict {
  const v: VexVerdict = { status: st.status, where: st.where };
  if (st.justification !== undefined) v.justification = st.justification;
  if (st.impactStatement !== undefined) v.impactStatement = st.impactStatement;
  if (st.actionStatement !== undefined) v.actionStatement = st.actionStatement;
  if (st.statusNotes !== undefined) v.statusNotes = st.statusNotes;
  if (st.id !== undefined) v.statementId = st.id;
  return v;
}

function productApplies(p: VexProduct, f: Finding, image: VexImage | undefined): boolean {
  if (p.purl && IMAGE_TYPES.has(p.purl.type)) {
    if (image && !imageMatches(p.purl, image)) return false;
    return p.subcomponents.length === 0 || p.subcomponents.some((c) => packageMatches(c, f));
  }
  return packageMatches(p, f) || p.subcomponents.some((c) => packageMatches(c, f));
}

const PACKAGE_TYPES = new Set(['deb', 'apk', 'generic']);

function packageMatches(c: VexComponent, f: Finding): boolean {
  const purl = c.purl;
  if (!purl || !PACKAGE_TYPES.has(purl.type)) return false;
  if (purl.name !== f.package && purl.name !== f.sourcePackage) return false;
  return purl.version === undefined || purl.version === f.installed || purl.version === f.sourceVersion;
}

const lastSegment = (s: string): string => s.slice(s.lastIndexOf('/') + 1);

function imageMatches(purl: Purl, image: VexImage): boolean {
  // The image's repository path by the OCI reference grammar (a `:tag` or `@digest` is not part of it).
  if (lastSegment(purl.name) !== lastSegment(parseImageReference(image.name)?.path ?? image.name)) return false;
  return purl.version === undefined || image.digest === undefined || purl.version === image.digest;
}
