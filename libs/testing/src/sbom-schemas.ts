// Test helpers: independent validators for the SBOMs the factory writes (the scan stage's own
// gate, libs/sbom sbom-validation.ts, is the code under test). CycloneDX 1.6 against the official
// schema bundled with @cyclonedx/cyclonedx-library (res/schema, with the SPDX license id and
// JSF schemas it refers to); SPDX 2.3 against the official spdx-schema.json of spdx/spdx-spec
// v2.3 (read in place from ../shared/schemas).
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './repo-root';

const CDX = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
const load = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(CDX, file), 'utf8')) as Record<string, unknown>;

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
      'http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json': load(
        'cryptography-defs.SNAPSHOT.schema.json',
      ),
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
