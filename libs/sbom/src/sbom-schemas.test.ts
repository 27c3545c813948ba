// Test helpers (not a suite): validators for the SBOMs. CycloneDX 1.6 against the official
// schema bundled with @cyclonedx/cyclonedx-library (res/schema, with the SPDX license id and
// JSF schemas it refers to); SPDX 2.3 against a schema written here from the SPDX 2.3
// specification's required fields, since no npm package ships the official spdx-schema.json.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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

const SPDX_ID = '^SPDXRef-[A-Za-z0-9.-]+$';
const LICENSE = '^(NOASSERTION|NONE|[A-Za-z0-9.+()-]+( (AND|OR|WITH) [A-Za-z0-9.+()-]+)*)$';

/**
 * SPDX 2.3 (spec chapters 6, 7, 10, 11 and annex F) as a JSON schema: the document fields a
 * document must have (spdxVersion, dataLicense CC0-1.0, SPDXID SPDXRef-DOCUMENT, name,
 * documentNamespace, creationInfo with created and creators), each package's mandatory
 * fields (name, SPDXID, downloadLocation; licenseConcluded, licenseDeclared and copyrightText
 * present), external references by category and type, extracted license infos and
 * relationships. Written from the spec text, not the official schema file.
 */
export function spdx23Validator(): Validate {
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats(ajv);
  const text = { type: 'string', minLength: 1 };
  return wrap(
    ajv.compile({
      type: 'object',
      required: ['spdxVersion', 'dataLicense', 'SPDXID', 'name', 'documentNamespace', 'creationInfo'],
      properties: {
        spdxVersion: { const: 'SPDX-2.3' },
        dataLicense: { const: 'CC0-1.0' },
        SPDXID: { const: 'SPDXRef-DOCUMENT' },
        name: text,
        documentNamespace: { type: 'string', format: 'uri', pattern: '^[^#]+$' },
        creationInfo: {
          type: 'object',
          required: ['created', 'creators'],
          properties: {
            created: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
            creators: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^(Tool|Organization|Person): .+' } },
          },
        },
        packages: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'SPDXID', 'downloadLocation', 'licenseConcluded', 'licenseDeclared', 'copyrightText'],
            properties: {
              name: text,
              SPDXID: { type: 'string', pattern: SPDX_ID },
              versionInfo: text,
              downloadLocation: text,
              filesAnalyzed: { const: false },
              licenseConcluded: { type: 'string', pattern: LICENSE },
              licenseDeclared: { type: 'string', pattern: LICENSE },
              copyrightText: text,
              primaryPackagePurpose: { enum: ['APPLICATION', 'FRAMEWORK', 'LIBRARY', 'CONTAINER', 'OPERATING-SYSTEM', 'DEVICE', 'FIRMWARE', 'SOURCE', 'ARCHIVE', 'FILE', 'INSTALL', 'OTHER'] },
              sourceInfo: text,
              externalRefs: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['referenceCategory', 'referenceType', 'referenceLocator'],
                  properties: {
                    referenceCategory: { enum: ['SECURITY', 'PACKAGE-MANAGER', 'PACKAGE_MANAGER', 'PERSISTENT-ID', 'PERSISTENT_ID', 'OTHER'] },
                    referenceType: text,
                    referenceLocator: { type: 'string', pattern: '^\\S+$' },
                  },
                },
              },
            },
          },
        },
        hasExtractedLicensingInfos: {
          type: 'array',
          items: {
            type: 'object',
            required: ['licenseId', 'extractedText'],
            properties: { licenseId: { type: 'string', pattern: '^LicenseRef-[A-Za-z0-9.-]+$' }, extractedText: text, name: text },
          },
        },
        relationships: {
          type: 'array',
          items: {
            type: 'object',
            required: ['spdxElementId', 'relationshipType', 'relatedSpdxElement'],
            properties: {
              spdxElementId: { type: 'string', pattern: SPDX_ID },
              relatedSpdxElement: { type: 'string', pattern: `${SPDX_ID}|^NONE$|^NOASSERTION$` },
              relationshipType: { enum: ['DESCRIBES', 'DESCRIBED_BY', 'CONTAINS', 'CONTAINED_BY', 'DEPENDS_ON', 'DEPENDENCY_OF', 'GENERATED_FROM', 'OTHER'] },
            },
          },
        },
      },
    }),
  );
}

/** The cross-references a JSON schema cannot check: unique SPDXIDs, relationships and LicenseRefs that resolve. */
export function spdxReferenceErrors(json: string): string[] {
  const doc = JSON.parse(json) as {
    packages: { SPDXID: string; licenseDeclared: string }[];
    relationships: { spdxElementId: string; relatedSpdxElement: string }[];
    hasExtractedLicensingInfos?: { licenseId: string }[];
  };
  const errors: string[] = [];
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
