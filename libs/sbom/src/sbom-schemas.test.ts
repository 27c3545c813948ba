// Test helpers (not a suite): validators for the SBOMs. CycloneDX 1.6 against the official
// schema bundled with @cyclonedx/cyclonedx-library (res/schema, with the SPDX license id and
// JSF schemas it refers to); SPDX 2.3 against the official spdx-schema.json of spdx/spdx-spec
// v2.3 (read in place from ../shared/schemas), plus the spec rules a JSON schema cannot state.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';

const CDX = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
const load = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(CDX, file), 'utf8')) as Record<string, unknown>;

export type Validate = (json: string) => ErrorObject[] | null;

function wrap(validator: ValidateFunction): Validate {
  return (json) => (validator(JSON.parse(json)) ? null : (validator.errors ?? []));
}

/** The official CycloneDX 1.6 JSON schema (strict: additionalProperties false). */
export function cycloneDx16Validator(): Validate {
  const ajv = new Ajv({
    strict: false,
    useDefaults: false,
    schemas: {
      'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json': load('spdx.SNAPSHOT.schema.json'),
      'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json': load('jsf-0.82.SNAPSHOT.schema.json'),
      'http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json': load('cryptography-defs.SNAPSHOT.schema.json'),
    },
    loadSchema: (uri) => Promise.reject(new Error(`no remote schemas: ${uri}`)),
  });
  addFormats(ajv);
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat('iri-reference', true);
  return wrap(ajv.compile(load('bom-1.6.SNAPSHOT.schema.json')));
}

/** The official SPDX 2.3 JSON schema, read in place from the shared schemas folder beside the repository. */
export const SPDX_23_SCHEMA = join(repoRoot(), '..', 'shared', 'schemas', 'spdx-2.3', 'spdx-schema.json');

/**
 * SPDX 2.3 against the official JSON schema (spdx/spdx-spec schemas/spdx-schema.json at tag
 * v2.3, draft-07, additionalProperties false throughout). It uses no `format` keywords, so no
 * formats are needed. What it leaves to the spec text (the values of spdxVersion and
 * dataLicense, the SPDXID form, references that resolve) is checked by spdxReferenceErrors.
 */
export function spdx23Validator(): Validate {
  const ajv = new Ajv({ strict: true, allErrors: true });
  return wrap(ajv.compile(JSON.parse(readFileSync(SPDX_23_SCHEMA, 'utf8')) as Record<string, unknown>));
}

const SPDX_ID = /^SPDXRef-[A-Za-z0-9.-]+$/;

function isNamespace(uri: string | undefined): boolean {
  if (uri === undefined || uri.includes('#')) return false;
  try {
    return new URL(uri).protocol.length > 1;
  } catch {
    return false;
  }
}

/**
 * The SPDX 2.3 rules the official schema leaves to the spec text: spdxVersion SPDX-2.3,
 * dataLicense CC0-1.0, the document's SPDXID, documentNamespace (mandatory, spec 6.5), the SPDXRef-[letters, digits, . and -] form of
 * element ids (spec 3.2), `created` as YYYY-MM-DDThh:mm:ssZ and creators prefixed Tool:,
 * Organization: or Person: (spec 6.8, 6.9); and the cross-references: unique SPDXIDs,
 * relationships and LicenseRefs that resolve.
 */
export function spdxReferenceErrors(json: string): string[] {
  const doc = JSON.parse(json) as {
    spdxVersion: string;
    dataLicense: string;
    SPDXID: string;
    documentNamespace?: string;
    creationInfo: { created: string; creators: string[] };
    packages: { SPDXID: string; licenseDeclared: string }[];
    relationships: { spdxElementId: string; relatedSpdxElement: string }[];
    hasExtractedLicensingInfos?: { licenseId: string }[];
  };
  const errors: string[] = [];
  if (doc.spdxVersion !== 'SPDX-2.3') errors.push(`spdxVersion ${doc.spdxVersion} is not SPDX-2.3`);
  if (doc.dataLicense !== 'CC0-1.0') errors.push(`dataLicense ${doc.dataLicense} is not CC0-1.0`);
  if (!isNamespace(doc.documentNamespace)) errors.push(`documentNamespace ${doc.documentNamespace} is not an absolute URI without #`);
  if (doc.SPDXID !== 'SPDXRef-DOCUMENT') errors.push(`document SPDXID ${doc.SPDXID} is not SPDXRef-DOCUMENT`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(doc.creationInfo.created)) errors.push(`created ${doc.creationInfo.created} is not YYYY-MM-DDThh:mm:ssZ`);
  for (const c of doc.creationInfo.creators) if (!/^(Tool|Organization|Person): \S/.test(c)) errors.push(`creator ${c} has no Tool:, Organization: or Person: prefix`);
  for (const p of doc.packages) if (!SPDX_ID.test(p.SPDXID)) errors.push(`SPDXID ${p.SPDXID} is not SPDXRef- with letters, digits, . and -`);
  const ids = new Set(['SPDXRef-DOCUMENT']);
  for (const p of doc.packages) {
    if (ids.has(p.SPDXID)) errors.push(`SPDXID ${p.SPDXID} twice`);
    ids.add(p.SPDXID);
  }
  for (const r of doc.relationships) for (const id of [r.spdxElementId, r.relatedSpdxElement]) if (!ids.has(id)) errors.push(`relationship to unknown ${id}`);
  const refs = new Set((doc.hasExtractedLicensingInfos ?? []).map((e) => e.licenseId));
  for (const p of doc.packages) for (const ref of p.licenseDeclared.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []) if (!refs.has(ref)) errors.push(`${p.SPDXID}: ${ref} is not in hasExtractedLicensingInfos`);
  return errors;
}
