import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type {
  CosignManifestArtifact,
  ImageDescriptor,
  ManifestArtifact,
  OciBlob,
  ReferrerArtifact,
} from '@patch-factory/signing';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';

/**
 * Everything the sign stage made for one image, for the publisher to push: the cosign `.sig`
 * and `.att` manifests (under their `sha256-<hex>.sig/.att` tags) and the Sigstore bundles as
 * OCI 1.1 referrers. No key material: signatures only.
 */
export interface SignedArtifacts {
  image: ImageDescriptor;
  /** The predicate types attested, in order. */
  predicateTypes: string[];
  tags: CosignManifestArtifact[];
  referrers: ReferrerArtifact[];
}

type Encoded<T> = T extends Buffer
  ? string
  : T extends (infer U)[]
    ? Encoded<U>[]
    : T extends object
      ? { [K in keyof T]: Encoded<T[K]> }
      : T;

const encodeBlob = (b: OciBlob): Encoded<OciBlob> => ({ ...b, bytes: b.bytes.toString('base64') });
const decodeBlob = (b: Encoded<OciBlob>): OciBlob => ({ ...b, bytes: Buffer.from(b.bytes, 'base64') });
const encodeManifest = <M extends ManifestArtifact>(m: M): M & Encoded<ManifestArtifact> =>
  ({ ...m, manifest: encodeBlob(m.manifest), blobs: m.blobs.map(encodeBlob) }) as unknown as M &
    Encoded<ManifestArtifact>;
const decodeManifest = <M extends ManifestArtifact>(m: Encoded<ManifestArtifact> & Omit<M, 'manifest' | 'blobs'>): M =>
  ({ ...m, manifest: decodeBlob(m.manifest), blobs: m.blobs.map(decodeBlob) }) as unknown as M;

/** Writes the artifacts as JSON (bytes base64), atomically. */
export async function writeSignedArtifacts(path: string, artifacts: SignedArtifacts): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const doc = {
    v: 1,
    image: artifacts.image,
    predicateTypes: artifacts.predicateTypes,
    tags: artifacts.tags.map(encodeManifest),
    referrers: artifacts.referrers.map(encodeManifest),
  };
  await writeFile(`${path}.tmp`, `${JSON.stringify(doc)}\n`, { mode: 0o644 });
  await rename(`${path}.tmp`, path);
}

/** Reads what writeSignedArtifacts wrote; a missing or malformed file is `publish-input-missing`/`-invalid`. */
export async function readSignedArtifacts(path: string): Promise<SignedArtifacts> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw publishingTerminal(
      PublishingErrorCode.inputMissing,
      `the signatures ${path} do not exist: run the sign stage first`,
    );
  });
  let doc: {
    v?: unknown;
    image?: ImageDescriptor;
    predicateTypes?: string[];
    tags?: Encoded<CosignManifestArtifact>[];
    referrers?: Encoded<ReferrerArtifact>[];
  };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw publishingTerminal(PublishingErrorCode.inputInvalid, `the signatures ${path} are not JSON`);
  }
  if (
    doc.v !== 1 ||
    !doc.image ||
    !Array.isArray(doc.tags) ||
    !Array.isArray(doc.referrers) ||
    !Array.isArray(doc.predicateTypes)
  ) {
    throw publishingTerminal(
      PublishingErrorCode.inputInvalid,
      `the signatures ${path} are not a version 1 signed-artifacts document`,
    );
  }
  return {
    image: doc.image,
    predicateTypes: doc.predicateTypes,
    tags: doc.tags.map((t) => decodeManifest<CosignManifestArtifact>(t)),
    referrers: doc.referrers.map((r) => decodeManifest<ReferrerArtifact>(r)),
  };
}
