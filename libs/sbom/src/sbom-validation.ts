import { shown } from '@patch-factory/contracts';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SbomErrorCode, sbomTerminal } from './sbom-errors';
import { spdxRuleProblems } from './spdx-rules';

/** The two SBOM formats. */
export type SbomFormat = 'cyclonedx' | 'spdx';

/** Where an SBOM breaks its format: the JSON pointer in the document and the rule it breaks. */
export interface SbomSchemaProblem {
  document: SbomFormat;
  /** A JSON pointer into the document (`/components/3/licenses/0`); `/` for the whole document. */
  path: string;
  rule: string;
}

/** Checks SBOM JSON text against its format; no problem: valid. */
export interface SbomValidators {
  cyclonedx: (json: string) => SbomSchemaProblem[];
  spdx: (json: string) => SbomSchemaProblem[];
}

/** The environment variable naming the official SPDX 2.3 JSON schema (libs/config). */
export const SPDX_SCHEMA_VARIABLE = 'PF_SPDX_SCHEMA_PATH';
/** At most this many problems per document (a broken generator breaks every package). */
const MAX_PROBLEMS = 20;

/** The official CycloneDX JSON schemas shipped with @cyclonedx/cyclonedx-library (res/schema). */
const CDX_SCHEMAS = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');

let cycloneDxCompiled: ValidateFunction | undefined;
const spdxCompiled = new Map<string, ValidateFunction>();

/**
 * The official CycloneDX 1.6 JSON schema (bom-1.6, strict: additionalProperties false
 * throughout), with the SPDX license id, JSF and cryptography schemas it refers to, compiled
 * once per process. Same ajv options and formats as the library's own
 * `Validation.JsonStrictValidator` (which needs the optional ajv-formats-draft2019, not
 * installed here: its only use, `idn-email`, is checked as user@host).
 */
function cycloneDxValidator(): ValidateFunction {
  if (cycloneDxCompiled) return cycloneDxCompiled;
  const load = (file: string): Record<string, unknown> =>
    JSON.parse(readFileSync(join(CDX_SCHEMAS, file), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({
    useDefaults: false,
    strict: false,
    strictSchema: false,
    addUsedSchema: false,
    schemas: {
      'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json': load('spdx.SNAPSHOT.schema.json'),
      'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json': load('jsf-0.82.SNAPSHOT.schema.json'),
      'http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json': load(
        'cryptography-defs.SNAPSHOT.schema.json',
      ),
    },
    loadSchema: (uri) => Promise.reject(new Error(`remote schemas are disabled: ${uri}`)),
  });
  addFormats(ajv);
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat('iri-reference', true);
  cycloneDxCompiled = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
  return cycloneDxCompiled;
}

/**
 * The official SPDX 2.3 JSON schema (spdx/spdx-spec schemas/spdx-schema.json at v2.3,
 * draft-07) at `path`, compiled once per process and path. A missing, unreadable or broken
 * schema is a TerminalError `sbom-schema-missing` naming it by `label` (the path itself unless
 * the caller must not show server paths): never a silent pass.
 */
function spdxValidator(path: string, label = path): ValidateFunction {
  const cached = spdxCompiled.get(path);
  if (cached) return cached;
  const fix = `set ${SPDX_SCHEMA_VARIABLE} to spdx-schema.json of spdx/spdx-spec v2.3`;
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why =
      error instanceof SyntaxError
        ? `not JSON: ${shown(error.message, 120)}`
        : ((error as NodeJS.ErrnoException).code ?? 'unreadable');
    throw sbomTerminal(
      SbomErrorCode.schemaMissing,
      `the official SPDX 2.3 JSON schema ${label} cannot be read (${why}); ${fix}`,
    );
  }
  const isSpdx =
    typeof schema === 'object' &&
    schema !== null &&
    (schema as { $id?: unknown }).$id === 'http://spdx.org/rdf/terms/2.3';
  if (!isSpdx)
    throw sbomTerminal(
      SbomErrorCode.schemaMissing,
      `${label} is not the official SPDX 2.3 JSON schema (its $id is not http://spdx.org/rdf/terms/2.3); ${fix}`,
    );
  let compiled: ValidateFunction;
  try {
    compiled = new Ajv({ strict: true, allErrors: true }).compile(schema as Record<string, unknown>);
  } catch (error) {
    throw sbomTerminal(
      SbomErrorCode.schemaMissing,
      `the SPDX 2.3 JSON schema ${label} does not compile: ${shown((error as Error).message, 200)}; ${fix}`,
    );
  }
  spdxCompiled.set(path, compiled);
  return compiled;
}

/** One ajv error as a located problem: `must be equal to one of the allowed values (enum: [...])`. */
function problemOf(document: SbomFormat, e: ErrorObject): SbomSchemaProblem {
  const params = Object.entries(e.params as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${Array.isArray(v) && v.length > 10 ? `one of ${v.length} values` : JSON.stringify(v)}`)
    .join(', ');
  return {
    document,
    path: e.instancePath || '/',
    rule: `${e.message ?? e.keyword}${params ? ` (${shown(params, 200)})` : ''} [${e.keyword} at ${e.schemaPath}]`,
  };
}

function parsed(document: SbomFormat, json: string): { doc: unknown } | { problem: SbomSchemaProblem } {
  try {
    return { doc: JSON.parse(json) as unknown };
  } catch (error) {
    return { problem: { document, path: '/', rule: `not JSON: ${shown((error as Error).message, 200)}` } };
  }
}

function schemaProblems(document: SbomFormat, validate: ValidateFunction, doc: unknown): SbomSchemaProblem[] {
  return validate(doc) ? [] : (validate.errors ?? []).slice(0, MAX_PROBLEMS).map((e) => problemOf(document, e));
}

/** CycloneDX 1.6 JSON against its official schema. */
export function cycloneDxProblems(json: string): SbomSchemaProblem[] {
  const p = parsed('cyclonedx', json);
  return 'problem' in p ? [p.problem] : schemaProblems('cyclonedx', cycloneDxValidator(), p.doc);
}

/**
 * SPDX 2.3 JSON against the official schema at `schemaPath`, then (when it passes) the spec
 * rules the schema leaves to the text (spdxRuleProblems: versions, ids, references).
 */
export function spdxProblems(json: string, schemaPath: string): SbomSchemaProblem[] {
  const validate = spdxValidator(schemaPath);
  const p = parsed('spdx', json);
  if ('problem' in p) return [p.problem];
  const problems = schemaProblems('spdx', validate, p.doc);
  if (problems.length > 0) return problems;
  return spdxRuleProblems(p.doc)
    .slice(0, MAX_PROBLEMS)
    .map((r) => ({ document: 'spdx' as const, ...r }));
}

/**
 * Both validators, the SPDX schema at `spdxSchemaPath` loaded now (so a missing one fails
 * before any work, with `sbom-schema-missing` naming it by `label`, default the path), each
 * schema compiled once per process.
 */
export function sbomValidators(spdxSchemaPath: string, label?: string): SbomValidators {
  spdxValidator(spdxSchemaPath, label);
  cycloneDxValidator();
  return { cyclonedx: cycloneDxProblems, spdx: (json) => spdxProblems(json, spdxSchemaPath) };
}

/** `CycloneDX at /components/3/licenses/0: must …`: one problem for a person. */
export function describeSbomProblem(p: SbomSchemaProblem): string {
  return `${p.document === 'cyclonedx' ? 'CycloneDX 1.6' : 'SPDX 2.3'} at ${shown(p.path, 120)}: ${p.rule}`;
}
