const SPDX_ID = /^SPDXRef-[A-Za-z0-9.-]+$/;

interface SpdxShape {
  spdxVersion?: unknown;
  dataLicense?: unknown;
  SPDXID?: unknown;
  documentNamespace?: unknown;
  creationInfo?: { created?: unknown; creators?: unknown[] };
  packages?: { SPDXID?: unknown; licenseDeclared?: unknown }[];
  relationships?: { spdxElementId?: unknown; relatedSpdxElement?: unknown }[];
  hasExtractedLicensingInfos?: { licenseId?: unknown }[];
}

function isNamespace(uri: unknown): boolean {
  if (typeof uri !== 'string' || uri.includes('#')) return false;
  try {
    return new URL(uri).protocol.length > 1;
  } catch {
    return false;
  }
}

const text = (v: unknown): string => (typeof v === 'string' ? v : String(v));

/**
 * The SPDX 2.3 rules the official JSON schema leaves to the spec text, each at its JSON pointer:
 * spdxVersion SPDX-2.3, dataLicense CC0-1.0, the document's SPDXID, documentNamespace
 * (mandatory, spec 6.5), the SPDXRef-[letters, digits, . and -] form of element ids (spec 3.2),
 * `created` as YYYY-MM-DDThh:mm:ssZ and creators prefixed Tool:, Organization: or Person:
 * (spec 6.8, 6.9); and the cross-references: unique SPDXIDs, relationships and LicenseRefs
 * that resolve. `doc` is a document the schema accepted (or any JSON: nothing is assumed).
 */
export function spdxRuleProblems(doc: unknown): { path: string; rule: string }[] {
  const d = (typeof doc === 'object' && doc !== null ? doc : {}) as SpdxShape;
  const out: { path: string; rule: string }[] = [];
  const add = (path: string, rule: string) => out.push({ path, rule });
  if (d.spdxVersion !== 'SPDX-2.3') add('/spdxVersion', `spdxVersion ${text(d.spdxVersion)} is not SPDX-2.3`);
  if (d.dataLicense !== 'CC0-1.0') add('/dataLicense', `dataLicense ${text(d.dataLicense)} is not CC0-1.0`);
  if (!isNamespace(d.documentNamespace))
    add('/documentNamespace', `documentNamespace ${text(d.documentNamespace)} is not an absolute URI without #`);
  if (d.SPDXID !== 'SPDXRef-DOCUMENT') add('/SPDXID', `document SPDXID ${text(d.SPDXID)} is not SPDXRef-DOCUMENT`);
  const created = d.creationInfo?.created;
  if (typeof created !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(created))
    add('/creationInfo/created', `created ${text(created)} is not YYYY-MM-DDThh:mm:ssZ`);
  for (const [i, c] of (d.creationInfo?.creators ?? []).entries()) {
    if (typeof c !== 'string' || !/^(Tool|Organization|Person): \S/.test(c))
      add(`/creationInfo/creators/${i}`, `creator ${text(c)} has no Tool:, Organization: or Person: prefix`);
  }
  const packages = d.packages ?? [];
  for (const [i, p] of packages.entries()) {
    if (typeof p.SPDXID !== 'string' || !SPDX_ID.test(p.SPDXID))
      add(`/packages/${i}/SPDXID`, `SPDXID ${text(p.SPDXID)} is not SPDXRef- with letters, digits, . and -`);
  }
  const ids = new Set<unknown>(['SPDXRef-DOCUMENT']);
  for (const [i, p] of packages.entries()) {
    if (ids.has(p.SPDXID)) add(`/packages/${i}/SPDXID`, `SPDXID ${text(p.SPDXID)} twice`);
    ids.add(p.SPDXID);
  }
  for (const [i, r] of (d.relationships ?? []).entries()) {
    for (const id of [r.spdxElementId, r.relatedSpdxElement])
      if (!ids.has(id)) add(`/relationships/${i}`, `relationship to unknown ${text(id)}`);
  }
  const refs = new Set((d.hasExtractedLicensingInfos ?? []).map((e) => e.licenseId));
  for (const [i, p] of packages.entries()) {
    const declared = typeof p.licenseDeclared === 'string' ? p.licenseDeclared : '';
    for (const ref of declared.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []) {
      if (!refs.has(ref))
        add(`/packages/${i}/licenseDeclared`, `${text(p.SPDXID)}: ${ref} is not in hasExtractedLicensingInfos`);
    }
  }
  return out;
}

/** The rules of spdxRuleProblems over JSON text, as messages. */
export function spdxReferenceErrors(json: string): string[] {
  return spdxRuleProblems(JSON.parse(json)).map((p) => p.rule);
}
