import { TerminalError } from '@patch-factory/contracts';
import { OciErrorCode } from './oci-errors';
import { isSha256Digest, isTag } from './reference-grammar';

/** `ref` when it is a tag or a sha256 digest (what `/v2/<name>/manifests/<ref>` takes), else TerminalError(oci-invalid-reference). */
export function assertManifestReference(ref: unknown): string {
  if (isTag(ref) || isSha256Digest(ref)) return ref;
  throw new TerminalError(
    OciErrorCode.invalidReference,
    `the manifest reference ${JSON.stringify(String(ref).slice(0, 80))} is invalid: expected a tag or sha256:<64 hex>`,
  );
}
