import { createHash } from 'node:crypto';
import { purlEncode, shownValue } from '@patch-factory/contracts';
import { imageReferenceProblem, parseImageReference, referenceName } from '@patch-factory/oci';
import { parseDistro } from '../distro';
import type { Finding } from '../match';
import { VulnErrorCode, vulnError } from '../vuln-errors';
import type { VexedFinding, VexVerdict } from './apply-vex';

export interface ImageVexInput {
  /** The image: its name by the OCI reference grammar (`dhi/openssl`, `registry.example:5000/dhi/openssl[:tag]`) and manifest digest. */
  image: { name: string; digest: string; tag?: string };
  /** The distro release of its packages (`debian-12`), for the package purls. */
  distro: string;
  /** Findings that stand (after applyVex): `affected`, or `under_investigation` when so marked, with what the statement said. */
  findings: readonly VexedFinding[];
  /** Findings a statement suppressed (applyVex's `suppressed`): `not_affected` or `fixed`, with its justification and impact statement. */
  suppressed?: readonly { finding: Finding; vex: VexVerdict }[];
  /** Findings this image no longer has (fixed by the patch): `fixed`. */
  fixed?: readonly Finding[];
  /**
   * When the statements are made (ISO 8601): the scan's time, not the build's SOURCE_DATE_EPOCH.
   * The document's timestamp, and each statement's unless the catalog statement it repeats has its own.
   */
  timestamp: string;
  author?: string;
}

export interface OpenVexComponent {
  '@id': string;
  subcomponents?: OpenVexComponent[];
}

export interface OpenVexStatementOut {
  '@id': string;
  vulnerability: { name: string; aliases?: string[] };
  timestamp: string;
  products: OpenVexComponent[];
  status: 'not_affected' | 'affected' | 'fixed' | 'under_investigation';
  justification?: string;
  impact_statement?: string;
  action_statement?: string;
  status_notes?: string;
}

export interface OpenVexDocumentOut {
  '@context': 'https://openvex.dev/ns/v0.2.0';
  '@id': string;
  author: string;
  timestamp: string;
  version: 1;
  tooling: string;
  statements: OpenVexStatementOut[];
}

/** `pkg:oci/<name>@<digest>?repository_url=…&tag=…` (purl spec: the name is the repository's last segment). */
export function imagePurl(image: ImageVexInput['image']): string {
  // The name by the OCI reference grammar: a `:tag` in it is the tag, not part of the name.
  const ref = parseImageReference(image.name);
  const path = ref?.path ?? image.name;
  const tag = image.tag ?? ref?.tag;
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const qualifiers = [
    `repository_url=${purlEncode(ref ? referenceName(ref) : image.name)}`,
    ...(tag ? [`tag=${purlEncode(tag)}`] : []),
  ];
  return `pkg:oci/${purlEncode(name)}@${purlEncode(image.digest)}?${qualifiers.join('&')}`;
}

/** `pkg:deb/debian/<name>@<version>?arch=…&distro=debian-12` (or apk/alpine). */
export function packagePurl(
  family: 'debian' | 'alpine',
  name: string,
  version: string,
  arch: string,
  distro: string,
): string {
  const type = family === 'debian' ? 'deb' : 'apk';
  return `pkg:${type}/${family}/${purlEncode(name)}@${purlEncode(version)}?arch=${purlEncode(arch)}&distro=${purlEncode(distro)}`;
}

/**
 * The OpenVEX v0.2.0 document of an image: every statement that applied to it. `@id` derived
 * from the image digest (the same image, the same id); the image purl as each statement's
 * product with the packages' purls as subcomponents; one statement per vulnerability and
 * verdict: `affected` for a finding that stands (with the catalog's action statement, else the
 * fixed version to update to or that no fix exists yet), `under_investigation` for findings so
 * marked, `not_affected` (with the catalog statement's justification and impact statement) or
 * `fixed` for every finding a catalog statement suppressed, and `fixed` for the findings in
 * `fixed`. Applying it to the image's raw findings (applyVex) gives the factory's own report.
 *
 * An image with nothing to state gets no document (undefined): OpenVEX requires at least one
 * statement (`statements` has minItems 1), and any statement made up to fill it would be a claim
 * about a vulnerability nobody found; the scan report's findings and counts (zero) say it
 * already, and the caller records that no VEX was published and why.
 * Deterministic for the same input: statements sorted.
 */
export function emitImageVex(input: ImageVexInput): OpenVexDocumentOut | undefined {
  const { image, timestamp } = input;
  if (typeof image?.digest !== 'string' || !/^sha(256:[0-9a-f]{64}|512:[0-9a-f]{128})$/.test(image.digest)) {
    throw vulnError(
      VulnErrorCode.invalidInput,
      'image.digest',
      `expected sha256:<64 hex>, got ${shownValue(image?.digest)}`,
    );
  }
  const nameProblem = imageReferenceProblem(image.name);
  if (nameProblem !== undefined)
    throw vulnError(
      VulnErrorCode.invalidInput,
      'image.name',
      `expected an image name by the OCI reference grammar ([host[:port]/]path[:tag]): ${nameProblem}`,
    );
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp)))
    throw vulnError(VulnErrorCode.invalidInput, 'timestamp', `expected an ISO 8601 time, got ${shownValue(timestamp)}`);
  const { family } = parseDistro(input.distro);
  const docId = `https://openvex.dev/docs/public/vex-${createHash('sha256').update(image.digest).digest('hex')}`;
  const product = imagePurl(image);
  const purlOf = (f: Finding) => packagePurl(family, f.package, f.installed, f.arch, input.distro);
  const groups = new Map<string, { verdict: Verdict; findings: Finding[] }>();
  const add = (f: Finding, verdict: Verdict) => {
    const key = [
      f.id,
      verdict.status,
      verdict.justification,
      verdict.impact_statement,
      verdict.action_statement,
      verdict.status_notes,
      verdict.timestamp,
    ]
      .map((x) => x ?? '')
      .join('\0');
    const g = groups.get(key);
    if (g) g.findings.push(f);
    else groups.set(key, { verdict, findings: [f] });
  };
  for (const f of input.findings)
    add(f, verdictOf(f.vex, f.vex?.status === 'under_investigation' ? 'under_investigation' : 'affected', timestamp));
  for (const s of input.suppressed ?? []) add(s.finding, verdictOf(s.vex, s.vex.status, timestamp));
  for (const f of input.fixed ?? []) add(f, { status: 'fixed', timestamp });
  if (groups.size === 0) return undefined;
  const ids = new Map<string, number>();
  const statements = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]): OpenVexStatementOut => {
      const first = g.findings[0] as Finding;
      const aliases = [...new Set(g.findings.flatMap((f) => f.aliases))].sort();
      const subcomponents = [...new Set(g.findings.map(purlOf))].sort().map((id) => ({ '@id': id }));
      const base = `${docId}#${g.verdict.status}-${first.id}`;
      const n = (ids.get(base) ?? 0) + 1;
      ids.set(base, n);
      const { status, timestamp: at, ...said } = g.verdict;
      const st: OpenVexStatementOut = {
        '@id': n === 1 ? base : `${base}-${n}`,
        vulnerability: { name: first.id, ...(aliases.length ? { aliases } : {}) },
        timestamp: at,
        products: [{ '@id': product, subcomponents }],
        status,
        ...said,
      };
      if (status === 'affected' && st.action_statement === undefined) st.action_statement = actionOf(g.findings);
      return st;
    });
  return {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': docId,
    author: input.author ?? 'patch-factory',
    timestamp,
    version: 1,
    tooling: 'patch-factory',
    statements,
  };
}

type Verdict = Pick<
  OpenVexStatementOut,
  'status' | 'timestamp' | 'justification' | 'impact_statement' | 'action_statement' | 'status_notes'
>;

/** What a statement that applied said, to say it again: its status, justification, impact and action statements, notes and time. */
function verdictOf(vex: VexVerdict | undefined, status: Verdict['status'], now: string): Verdict {
  const time =
    vex?.timestamp !== undefined && !Number.isNaN(Date.parse(vex.timestamp))
      ? new Date(Date.parse(vex.timestamp)).toISOString()
      : now;
  return {
    status,
    timestamp: time,
    ...(vex?.justification !== undefined ? { justification: vex.justification } : {}),
    ...(vex?.impactStatement !== undefined ? { impact_statement: vex.impactStatement } : {}),
    ...(vex?.actionStatement !== undefined ? { action_statement: vex.actionStatement } : {}),
    ...(vex?.statusNotes !== undefined ? { status_notes: vex.statusNotes } : {}),
  };
}

function actionOf(findings: readonly Finding[]): string {
  const parts = [...findings]
    .sort((a, b) => (a.package < b.package ? -1 : 1))
    .map((f) =>
      f.fixedVersion !== undefined
        ? `update ${f.package} to ${f.fixedVersion} or later`
        : `no fix is available yet for ${f.package} ${f.installed}`,
    );
  return `${[...new Set(parts)].join('; ')}.`;
}
