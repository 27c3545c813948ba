import { createHash } from 'node:crypto';
import { imageReferenceProblem, parseImageReference, referenceName } from '@patch-factory/oci';
import { parseDistro } from '../distro';
import type { Finding } from '../match';
import { VulnErrorCode, show, vulnError } from '../vuln-error-code';
import type { VexedFinding } from './apply-vex';
import { purlEncode } from './purl';

export interface ImageVexInput {
  /** The image: its name by the OCI reference grammar (`dhi/openssl`, `registry.example:5000/dhi/openssl[:tag]`) and manifest digest. */
  image: { name: string; digest: string; tag?: string };
  /** The distro release of its packages (`debian-12`), for the package purls. */
  distro: string;
  /** Findings that stand (after applyVex): `affected`, or `under_investigation` when so marked. */
  findings: readonly VexedFinding[];
  /** Findings this image no longer has (fixed by the patch): `fixed`. */
  fixed?: readonly Finding[];
  /** The time the document speaks for (ISO 8601); also each statement's. */
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
  status: 'affected' | 'fixed' | 'under_investigation';
  action_statement?: string;
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
  const qualifiers = [`repository_url=${purlEncode(ref ? referenceName(ref) : image.name)}`, ...(tag ? [`tag=${purlEncode(tag)}`] : [])];
  return `pkg:oci/${purlEncode(name)}@${purlEncode(image.digest)}?${qualifiers.join('&')}`;
}

/** `pkg:deb/debian/<name>@<version>?arch=…&distro=debian-12` (or apk/alpine). */
export function packagePurl(family: 'debian' | 'alpine', name: string, version: string, arch: string, distro: string): string {
  const type = family === 'debian' ? 'deb' : 'apk';
  return `pkg:${type}/${family}/${purlEncode(name)}@${purlEncode(version)}?arch=${purlEncode(arch)}&distro=${purlEncode(distro)}`;
}

/**
 * One OpenVEX v0.2.0 document for an image: `@id` derived from the image digest (the same image,
 * the same id), the image purl as each statement's product with the affected packages' purls as
 * subcomponents, one statement per vulnerability: `affected` (with an action statement: the fixed
 * version to update to, or that no fix exists yet), `under_investigation` for findings so marked,
 * `fixed` for the findings in `fixed`. Deterministic: statements sorted, timestamps from the input.
 */
export function emitImageVex(input: ImageVexInput): OpenVexDocumentOut {
  const { image, timestamp } = input;
  if (typeof image?.digest !== 'string' || !/^sha(256:[0-9a-f]{64}|512:[0-9a-f]{128})$/.test(image.digest)) {
    throw vulnError(VulnErrorCode.invalidInput, 'image.digest', `expected sha256:<64 hex>, got ${show(image?.digest)}`);
  }
  const nameProblem = imageReferenceProblem(image.name);
  if (nameProblem !== undefined) throw vulnError(VulnErrorCode.invalidInput, 'image.name', `expected an image name by the OCI reference grammar ([host[:port]/]path[:tag]): ${nameProblem}`);
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) throw vulnError(VulnErrorCode.invalidInput, 'timestamp', `expected an ISO 8601 time, got ${show(timestamp)}`);
  const { family } = parseDistro(input.distro);
  const docId = `https://openvex.dev/docs/public/vex-${createHash('sha256').update(image.digest).digest('hex')}`;
  const product = imagePurl(image);
  const purlOf = (f: Finding) => packagePurl(family, f.package, f.installed, f.arch, input.distro);
  const groups = new Map<string, { status: OpenVexStatementOut['status']; findings: Finding[] }>();
  const add = (f: Finding, status: OpenVexStatementOut['status']) => {
    const key = `${f.id}\0${status}`;
    const g = groups.get(key);
    if (g) g.findings.push(f);
    else groups.set(key, { status, findings: [f] });
  };
  for (const f of input.findings) add(f, f.vex?.status === 'under_investigation' ? 'under_investigation' : 'affected');
  for (const f of input.fixed ?? []) add(f, 'fixed');
  const statements = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]): OpenVexStatementOut => {
      const first = g.findings[0] as Finding;
      const aliases = [...new Set(g.findings.flatMap((f) => f.aliases))].sort();
      const subcomponents = [...new Set(g.findings.map(purlOf))].sort().map((id) => ({ '@id': id }));
      const st: OpenVexStatementOut = {
        '@id': `${docId}#${g.status}-${first.id}`,
        vulnerability: { name: first.id, ...(aliases.length ? { aliases } : {}) },
        timestamp,
        products: [{ '@id': product, subcomponents }],
        status: g.status,
      };
      if (g.status === 'affected') st.action_statement = actionOf(g.findings);
      return st;
    });
  return { '@context': 'https://openvex.dev/ns/v0.2.0', '@id': docId, author: input.author ?? 'patch-factory', timestamp, version: 1, tooling: 'patch-factory', statements };
}

function actionOf(findings: readonly Finding[]): string {
  const parts = [...findings]
    .sort((a, b) => (a.package < b.package ? -1 : 1))
    .map((f) => (f.fixedVersion !== undefined ? `update ${f.package} to ${f.fixedVersion} or later` : `no fix is available yet for ${f.package} ${f.installed}`));
  return `${[...new Set(parts)].join('; ')}.`;
}
