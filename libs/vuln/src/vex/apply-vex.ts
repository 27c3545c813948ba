import type { Purl } from '@patch-factory/contracts';
import { parseImageReference } from '@patch-factory/oci';
import { DEBIAN_RELEASES } from '../distro';
import type { Finding } from '../match';
import type { VexComponent, VexDocument, VexProduct, VexStatement, VexStatus } from './openvex-parse';

/** Image product types: the purl names an image, not a package. */
export const IMAGE_TYPES = new Set(['oci', 'docker']);

/** The VEX statement that decided about a finding. */
export interface VexVerdict {
  status: VexStatus;
  justification?: string;
  impactStatement?: string;
  actionStatement?: string;
  statusNotes?: string;
  statementId?: string;
  /** When the statement was made (its own timestamp, else its document's). */
  timestamp?: string;
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
  /** The distro release of its packages (`debian-12`, `alpine-3.22`): a package purl for another one does not apply. */
  distro?: string;
}

/**
 * Applies OpenVEX statements to findings. A statement applies to a finding when one of its
 * vulnerability names is the finding's id or an alias, and one of its products is the package
 * (a deb/apk purl whose name is the binary or the source package, and whose version, when it has
 * one, is the installed or the source version; its type, namespace and qualifiers, when it has
 * them, must fit too: see packageMatches), or an image product (oci/docker purl) naming `image`
 * by its full name (see imageMatches) whose subcomponents hold the package, or which has none
 * (the whole image). Among the statements that apply, the latest (timestamp, then document order) wins.
 */
export function applyVex(
  findings: readonly Finding[],
  documents: readonly VexDocument[],
  image?: VexImage,
): VexOutcome {
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
  const distro = distroOf(image?.distro);
  for (const f of findings) {
    let best: { st: VexStatement; order: number; time: number } | undefined;
    for (const name of [f.id, ...f.aliases]) {
      for (const c of byName.get(name) ?? []) {
        if (!c.st.products.some((p) => productApplies(p, f, image, distro))) continue;
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
  if (st.timestamp !== undefined) v.timestamp = st.timestamp;
  return v;
}

function productApplies(p: VexProduct, f: Finding, image: VexImage | undefined, distro: Distro | undefined): boolean {
  if (p.purl && IMAGE_TYPES.has(p.purl.type)) {
    if (image && !imageMatches(p.purl, image)) return false;
    return p.subcomponents.length === 0 || p.subcomponents.some((c) => packageMatches(c, f, distro));
  }
  return packageMatches(p, f, distro) || p.subcomponents.some((c) => packageMatches(c, f, distro));
}

/** The image's distro release: its family, release number and the names a purl may give it. */
interface Distro {
  family: 'debian' | 'alpine';
  version: string;
  /** `debian-12`, `12`, `bookworm`, `debian-bookworm` (or `alpine-3.22`, `3.22`, `v3.22`, `alpine-v3.22`). */
  names: Set<string>;
}

function distroOf(distro: string | undefined): Distro | undefined {
  const m = typeof distro === 'string' ? /^(debian|alpine)-(\d{1,3}(?:\.\d{1,3})?)$/.exec(distro) : null;
  if (!m) return undefined;
  const family = m[1] as Distro['family'];
  const version = m[2] as string;
  const names = new Set([`${family}-${version}`, version]);
  if (family === 'debian') {
    for (const [codename, release] of Object.entries(DEBIAN_RELEASES))
      if (release === version) names.add(codename).add(`debian-${codename}`);
  } else names.add(`v${version}`).add(`alpine-v${version}`);
  return { family, version, names };
}

const PACKAGE_TYPES = new Set(['deb', 'apk', 'generic']);
const FAMILY_OF_TYPE: Readonly<Record<string, Distro['family']>> = { deb: 'debian', apk: 'alpine' };

/**
 * A package purl names the finding's package when its name is the binary or source package,
 * its version (if any) the installed or source version, and what else it says fits: `arch` is
 * the finding's architecture; and, when the image's distro is known, the type is its package
 * type (deb for Debian, apk for Alpine; generic names any), a deb/apk namespace is the distro
 * family (`pkg:deb/ubuntu/…` is not a Debian package), and `distro` (purl spec) or
 * `os_name`/`os_version`/`os_distro` (as real catalog VEX writes them) name the image's
 * release. Qualifiers it does not know are ignored.
 */
function packageMatches(c: VexComponent, f: Finding, distro: Distro | undefined): boolean {
  const purl = c.purl;
  if (!purl || !PACKAGE_TYPES.has(purl.type)) return false;
  if (purl.name !== f.package && purl.name !== f.sourcePackage) return false;
  if (purl.version !== undefined && purl.version !== f.installed && purl.version !== f.sourceVersion) return false;
  const q = purl.qualifiers;
  if (q['arch'] !== undefined && q['arch'].toLowerCase() !== f.arch.toLowerCase()) return false;
  if (!distro) return true;
  const family = FAMILY_OF_TYPE[purl.type];
  if (
    family !== undefined &&
    (family !== distro.family || (purl.namespace !== '' && purl.namespace.toLowerCase() !== family))
  )
    return false;
  const named = (v: string | undefined) => v === undefined || distro.names.has(v.toLowerCase());
  if (!named(q['distro']) || !named(q['os_distro'])) return false;
  if (q['os_name'] !== undefined && q['os_name'].toLowerCase() !== distro.family) return false;
  const osVersion = q['os_version'];
  return osVersion === undefined || osVersion === distro.version || osVersion.startsWith(`${distro.version}.`);
}

/**
 * An image purl names `image` by its full name, not only its last path segment: a `pkg:docker`
 * purl's namespace/name is the repository path (`pkg:docker/dhi/redis` is `dhi/redis` on any
 * registry; without a namespace, `redis` or `library/redis`); a `pkg:oci` purl's name is the
 * path's last segment (purl spec) and its `repository_url`, when it has one, the full
 * repository `[host[:port]/]path` (`pkg:oci/redis?repository_url=a.example/x/redis` is not
 * `b.example/y/redis`): hosts compared when both name one, a tag in it or in the image's name
 * ignored. A digest version must be the image's digest.
 */
function imageMatches(purl: Purl, image: VexImage): boolean {
  const ref = parseImageReference(image.name);
  const path = ref?.path ?? image.name;
  if (purl.version !== undefined && image.digest !== undefined && purl.version !== image.digest) return false;
  if (purl.type === 'docker') {
    const full = purl.namespace === '' ? [purl.name, `library/${purl.name}`] : [`${purl.namespace}/${purl.name}`];
    if (!full.includes(path)) return false;
  } else if (lastSegment(purl.name) !== lastSegment(path)) return false;
  const repositoryUrl = purl.qualifiers['repository_url'];
  if (repositoryUrl === undefined) return true;
  const url = repositoryUrl
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
  // pkg:docker's repository_url is the registry (`gcr.io`, `registry.example:5000`), pkg:oci's the repository.
  if (purl.type === 'docker' && !url.includes('/'))
    return ref?.domain === undefined || url === ref.domain.toLowerCase();
  const named = parseImageReference(url);
  if (!named || named.path !== path) return false;
  const host = named.domain;
  return host === undefined || ref?.domain === undefined || host === ref.domain.toLowerCase();
}

const lastSegment = (s: string): string => s.slice(s.lastIndexOf('/') + 1);
