import { isRecord, shownValue } from '@patch-factory/contracts';
import { DIGEST_RE } from '../digest';
import {
  blobOf,
  OCI_CONFIG_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  type ManifestArtifact,
  type OciBlob,
  type OciDescriptor,
} from '../oci-blob';
import { signingError, SigningErrorCode } from '../signing-errors';

/** A `.sig` or `.att` manifest to push under its tag, as data. */
export interface CosignManifestArtifact extends ManifestArtifact {
  /** `sha256-<hex>.sig` or `sha256-<hex>.att`. */
  tag: string;
  /** Every layer of the manifest, existing ones first, in order. */
  layers: OciDescriptor[];
  /** How many of `layers` this call added (0: nothing new, the push may be skipped). */
  added: number;
}

const MAX_LAYERS = 1000;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The image config cosign writes for a signature "image": zero timestamps, one diff id and history entry per layer. */
export function cosignConfig(layerDigests: readonly string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: layerDigests.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layerDigests },
      config: {},
    }),
    'utf8',
  );
}

/** A descriptor in the key order go-containerregistry (cosign) writes: mediaType, size, digest, annotations. */
function ggcrDescriptor(d: OciDescriptor): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    size: d.size,
    digest: d.digest,
    ...(d.annotations ? { annotations: d.annotations } : {}),
  };
}

/**
 * The layers of an existing `.sig`/`.att` manifest read from the registry (bytes or parsed
 * JSON), checked: every layer a descriptor with a sha256 digest, string annotations.
 */
export function parseCosignManifest(existing: unknown, where: string): OciDescriptor[] {
  let value: unknown = existing;
  if (Buffer.isBuffer(existing)) {
    if (existing.length > MAX_MANIFEST_BYTES)
      throw signingError(
        SigningErrorCode.manifestInvalid,
        where,
        `is ${existing.length} bytes, more than ${MAX_MANIFEST_BYTES}`,
      );
    try {
      value = JSON.parse(existing.toString('utf8'));
    } catch {
      throw signingError(SigningErrorCode.manifestInvalid, where, 'is not JSON');
    }
  }
  if (!isRecord(value) || value['schemaVersion'] !== 2)
    throw signingError(SigningErrorCode.manifestInvalid, where, 'is not an image manifest (schemaVersion 2)');
  const layers = value['layers'];
  if (!Array.isArray(layers))
    throw signingError(SigningErrorCode.manifestInvalid, where, `layers is ${shownValue(layers)}, not an array`);
  if (layers.length > MAX_LAYERS)
    throw signingError(SigningErrorCode.manifestInvalid, where, `has ${layers.length} layers, more than ${MAX_LAYERS}`);
  return layers.map((l: unknown, i) => {
    const at = `${where}: layers[${i}]`;
    if (!isRecord(l)) throw signingError(SigningErrorCode.manifestInvalid, at, `is ${shownValue(l)}, not a descriptor`);
    const { mediaType, digest, size, annotations } = l;
    if (typeof mediaType !== 'string' || mediaType.length > 255)
      throw signingError(SigningErrorCode.manifestInvalid, at, `mediaType is ${shownValue(mediaType)}`);
    if (typeof digest !== 'string' || !DIGEST_RE.test(digest))
      throw signingError(SigningErrorCode.manifestInvalid, at, `digest ${shownValue(digest)} is not sha256:<hex>`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
      throw signingError(SigningErrorCode.manifestInvalid, at, `size is ${shownValue(size)}`);
    let ann: Record<string, string> | undefined;
    if (annotations !== undefined) {
      if (!isRecord(annotations))
        throw signingError(SigningErrorCode.manifestInvalid, at, `annotations is ${shownValue(annotations)}`);
      ann = {};
      for (const [k, v] of Object.entries(annotations)) {
        if (typeof v !== 'string')
          throw signingError(
            SigningErrorCode.manifestInvalid,
            at,
            `annotation ${shownValue(k)} is ${shownValue(v)}, not a string`,
          );
        ann[k] = v;
      }
    }
    return { mediaType, digest, size, ...(ann ? { annotations: ann } : {}) };
  });
}

/** Same blob and same annotations: the same signature/attestation layer. */
export function sameLayer(a: OciDescriptor, b: OciDescriptor): boolean {
  if (a.digest !== b.digest || a.mediaType !== b.mediaType) return false;
  const ka = Object.entries(a.annotations ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  const kb = Object.entries(b.annotations ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return JSON.stringify(ka) === JSON.stringify(kb);
}

/**
 * The `.sig`/`.att` manifest holding `existing` layers plus the `added` ones that are not there
 * yet (`isPresent` decides; by default the same digest and annotations). Idempotent: merging the
 * result's layers with the same additions again adds nothing and gives the same bytes.
 */
export function buildCosignManifest(
  tag: string,
  existing: readonly OciDescriptor[],
  added: readonly OciBlob[],
  isPresent: (layer: OciBlob, existing: readonly OciDescriptor[]) => boolean = (layer, ex) =>
    ex.some((e) => sameLayer(e, layer)),
): CosignManifestArtifact {
  const layers: OciDescriptor[] = existing.map((l) => ({ ...l }));
  const newBlobs: OciBlob[] = [];
  for (const blob of added) {
    if (isPresent(blob, layers)) continue;
    layers.push({
      mediaType: blob.mediaType,
      digest: blob.digest,
      size: blob.size,
      ...(blob.annotations ? { annotations: blob.annotations } : {}),
    });
    if (!newBlobs.some((b) => b.digest === blob.digest)) newBlobs.push(blob);
  }
  if (layers.length > MAX_LAYERS)
    throw signingError(
      SigningErrorCode.manifestInvalid,
      tag,
      `would have ${layers.length} layers, more than ${MAX_LAYERS}`,
    );
  const config = blobOf(OCI_CONFIG_MEDIA_TYPE, cosignConfig(layers.map((l) => l.digest)));
  const manifest = blobOf(
    OCI_MANIFEST_MEDIA_TYPE,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      config: ggcrDescriptor(config),
      layers: layers.map(ggcrDescriptor),
    }),
  );
  return { tag, manifest, blobs: [config, ...newBlobs], layers, added: layers.length - existing.length };
}
