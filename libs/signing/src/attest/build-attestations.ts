import { isRecord, shownValue } from '@patch-factory/contracts';
import { signingError, SigningErrorCode } from '../signing-errors';
import { statementFor, type ImageSubject, type InTotoStatement } from './in-toto-statement';
import { OPENVEX_CONTEXT, PredicateType } from './predicate-types';
import { slsaProvenance, type ProvenanceInput } from './slsa-provenance';

/** Everything the factory attests about one image; each document is optional but provenance. */
export interface AttestationInputs {
  image: ImageSubject;
  provenance: ProvenanceInput;
  /** CycloneDX 1.x JSON (bomFormat "CycloneDX"). */
  cyclonedx?: unknown;
  /** SPDX 2.x JSON (spdxVersion "SPDX-2.…"). */
  spdx?: unknown;
  /** OpenVEX 0.2.0 document. */
  openvex?: unknown;
  /** CTRF JSON test report ({ results: { tool, summary, tests } }). */
  testReport?: unknown;
  /** The scan report (an object). */
  scanReport?: unknown;
}

function checked(
  what: string,
  doc: unknown,
  ok: (d: Record<string, unknown>) => boolean,
  expected: string,
): Record<string, unknown> {
  if (!isRecord(doc) || !ok(doc))
    throw signingError(
      SigningErrorCode.inputInvalid,
      `attestation ${what}`,
      `the document is ${isRecord(doc) ? 'an object' : shownValue(doc)} that is not ${expected}`,
    );
  return doc;
}

/** The in-toto statements for an image, in a fixed order: provenance, CycloneDX, SPDX, OpenVEX, test report, scan report. */
export function buildAttestations(inputs: AttestationInputs): InTotoStatement<object>[] {
  const { image } = inputs;
  const out: InTotoStatement<object>[] = [
    statementFor(image, PredicateType.slsaProvenance, slsaProvenance(inputs.provenance)),
  ];
  if (inputs.cyclonedx !== undefined) {
    out.push(
      statementFor(
        image,
        PredicateType.cyclonedx,
        checked(
          'CycloneDX',
          inputs.cyclonedx,
          (d) => d['bomFormat'] === 'CycloneDX' && typeof d['specVersion'] === 'string',
          'a CycloneDX BOM (bomFormat, specVersion)',
        ),
      ),
    );
  }
  if (inputs.spdx !== undefined) {
    out.push(
      statementFor(
        image,
        PredicateType.spdx,
        checked(
          'SPDX',
          inputs.spdx,
          (d) => typeof d['spdxVersion'] === 'string' && d['spdxVersion'].startsWith('SPDX-2.'),
          'an SPDX 2.x document (spdxVersion)',
        ),
      ),
    );
  }
  if (inputs.openvex !== undefined) {
    out.push(
      statementFor(
        image,
        PredicateType.openvex,
        checked(
          'OpenVEX',
          inputs.openvex,
          (d) => d['@context'] === OPENVEX_CONTEXT && Array.isArray(d['statements']),
          `an OpenVEX document (@context ${OPENVEX_CONTEXT}, statements)`,
        ),
      ),
    );
  }
  if (inputs.testReport !== undefined) {
    out.push(
      statementFor(
        image,
        PredicateType.testReport,
        checked(
          'test report',
          inputs.testReport,
          (d) => isRecord(d['results']) && isRecord(d['results']['tool']),
          'a CTRF report (results.tool)',
        ),
      ),
    );
  }
  if (inputs.scanReport !== undefined) {
    out.push(
      statementFor(
        image,
        PredicateType.scanReport,
        checked('scan report', inputs.scanReport, () => true, 'an object'),
      ),
    );
  }
  return out;
}
