import { isRecord, shownValue } from '@patch-factory/contracts';
import { imageReferenceProblem } from '@patch-factory/oci';
import { checkImageDigest, digestHex, HEX64_RE } from '../digest';
import { signingError, SigningErrorCode } from '../signing-errors';

export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

/** An in-toto Statement v1 about one or more artifacts. */
export interface InTotoStatement<P = Record<string, unknown>> {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: P;
}

/** The image a statement is about. */
export interface ImageSubject {
  /** The repository (`registry.example/team/app`). */
  name: string;
  /** `sha256:<hex>` of the image (index or manifest). */
  digest: string;
}

/** A statement about one image. */
export function statementFor<P extends object>(
  image: ImageSubject,
  predicateType: string,
  predicate: P,
): InTotoStatement<P> {
  const digest = checkImageDigest(image.digest, `statement ${predicateType}`);
  const problem = imageReferenceProblem(image.name, { noDigest: true });
  if (problem !== undefined) {
    throw signingError(
      SigningErrorCode.inputInvalid,
      `statement ${predicateType}`,
      `subject name ${shownValue(image.name)} is not an image repository: ${problem}`,
    );
  }
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: image.name, digest: { sha256: digestHex(digest) } }],
    predicateType,
    predicate,
  };
}

/** The statement's bytes (what DSSE signs). */
export function statementBytes(statement: InTotoStatement<object>): Buffer {
  return Buffer.from(JSON.stringify(statement), 'utf8');
}

/** Parses a statement; a reason string when it is not one. */
export function parseStatement(bytes: Buffer): InTotoStatement | string {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'the payload is not JSON';
  }
  if (!isRecord(value)) return 'the payload is not a JSON object';
  if (value['_type'] !== IN_TOTO_STATEMENT_TYPE)
    return `_type is ${shownValue(value['_type'])}, not ${IN_TOTO_STATEMENT_TYPE}`;
  if (typeof value['predicateType'] !== 'string' || value['predicateType'].length === 0)
    return 'predicateType is missing';
  if (!isRecord(value['predicate'])) return 'predicate is not an object';
  const subject = value['subject'];
  if (!Array.isArray(subject) || subject.length === 0) return 'subject is not a non-empty array';
  const subjects: InTotoStatement['subject'] = [];
  for (const [i, s] of (subject as unknown[]).entries()) {
    if (!isRecord(s) || typeof s['name'] !== 'string' || !isRecord(s['digest']))
      return `subject[${i}] is not {name, digest}`;
    const sha = s['digest']['sha256'];
    if (typeof sha !== 'string' || !HEX64_RE.test(sha)) return `subject[${i}] has no sha256 digest`;
    subjects.push({ name: s['name'], digest: { sha256: sha } });
  }
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: subjects,
    predicateType: value['predicateType'],
    predicate: value['predicate'],
  };
}
