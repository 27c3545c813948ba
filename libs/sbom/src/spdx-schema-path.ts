import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SbomErrorCode, sbomTerminal } from './sbom-errors';
import { SPDX_SCHEMA_VARIABLE } from './sbom-validation';

/** Where the official SPDX 2.3 JSON schema sits beside a clean clone: `<repo>/../shared/schemas/spdx-2.3/spdx-schema.json`. */
export const SPDX_SCHEMA_BESIDE_REPO = ['..', 'shared', 'schemas', 'spdx-2.3', 'spdx-schema.json'] as const;

/**
 * The official SPDX 2.3 JSON schema the SBOMs are validated with: `configured`
 * (PF_SPDX_SCHEMA_PATH) when set, else read in place beside the repository the code runs from
 * (the folder with nx.json above this file, from source or from dist/). Whether the file is
 * there is checked where it is read (sbomValidators: `sbom-schema-missing`).
 */
export function spdxSchemaPath(configured: string | undefined, from: string = __dirname): string {
  if (configured) return configured;
  let dir = from;
  for (let i = 0; i < 12; i++) {
    if (existsSync(join(dir, 'nx.json'))) return join(dir, ...SPDX_SCHEMA_BESIDE_REPO);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw sbomTerminal(
    SbomErrorCode.schemaMissing,
    `no official SPDX 2.3 JSON schema: ${SPDX_SCHEMA_VARIABLE} is not set and the factory does not run from a patch-factory repository (with ../shared/schemas/spdx-2.3/spdx-schema.json beside it); set ${SPDX_SCHEMA_VARIABLE}`,
  );
}
