import { TerminalError, isRecord } from '@patch-factory/contracts';
import { OciErrorCode } from './oci-errors';
import { isSha256Digest } from './reference-grammar';

/** An OCI content descriptor (the fields this lib uses). */
export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Record<string, unknown>;
}

/** A manifest or index as parsed: what it points at. */
export interface ParsedManifest {
  mediaType: string;
  /** True for an image index / Docker manifest list. */
  isIndex: boolean;
  /** The child manifests of an index. */
  manifests: OciDescriptor[];
  /** The config and layers of an image manifest (blobs). */
  blobs: OciDescriptor[];
  subject?: OciDescriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
  /** The JSON as parsed. */
  json: Record<string, unknown>;
}

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_LIST]);
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** Largest manifest or index this lib reads or writes (the distribution implementation's own limit). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

function annotationsOf(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v) || !Object.values(v).every((x) => typeof x === 'string'))
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: annotations must map strings to strings`);
  return v as Record<string, string>;
}

/** True when `mediaType` is a syntactically valid media type. */
export const isMediaType = (mediaType: unknown): mediaType is string =>
  typeof mediaType === 'string' && MEDIA_TYPE.test(mediaType);

/** Validate one descriptor (sha256 digests only, a non-negative safe integer size). */
export function parseDescriptor(value: unknown, what: string): OciDescriptor {
  if (!isRecord(value)) throw new TerminalError(OciErrorCode.invalidResponse, `${what}: a descriptor is not an object`);
  const { mediaType, digest, size, artifactType, platform } = value;
  if (!isMediaType(mediaType))
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: a descriptor has no valid mediaType`);
  if (!isSha256Digest(digest))
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: a descriptor's digest is not sha256:<64 hex>`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the descriptor ${digest} has no valid size`);
  if (artifactType !== undefined && !isMediaType(artifactType))
    throw new TerminalError(
      OciErrorCode.invalidResponse,
      `${what}: the descriptor ${digest} has an invalid artifactType`,
    );
  const annotations = annotationsOf(value['annotations'], what);
  return {
    mediaType,
    digest,
    size,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(annotations ? { annotations } : {}),
    ...(isRecord(platform) ? { platform } : {}),
  };
}

/** Parse manifest or index bytes; `mediaType` (from the registry or a descriptor) wins over the JSON's own field. */
export function parseManifest(bytes: Buffer, mediaType: string | undefined, what: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the manifest is not JSON`);
  }
  if (!isRecord(json))
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the manifest is not a JSON object`);
  const type = mediaType ?? json['mediaType'];
  if (!isMediaType(type))
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the manifest has no media type`);
  if (json['schemaVersion'] !== 2)
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the manifest's schemaVersion is not 2`);
  const list = (v: unknown, name: string): OciDescriptor[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.length > 10_000)
      throw new TerminalError(OciErrorCode.invalidResponse, `${what}: "${name}" is not a list of descriptors`);
    return v.map((d) => parseDescriptor(d, what));
  };
  const isIndex =
    INDEX_TYPES.has(type) ||
    (json['manifests'] !== undefined && json['layers'] === undefined && json['config'] === undefined);
  const config = json['config'] === undefined ? [] : [parseDescriptor(json['config'], what)];
  const subject = json['subject'] === undefined ? undefined : parseDescriptor(json['subject'], what);
  const artifactType = json['artifactType'];
  const annotations = annotationsOf(json['annotations'], what);
  return {
    mediaType: type,
    isIndex,
    manifests: isIndex ? list(json['manifests'], 'manifests') : [],
    blobs: isIndex ? [] : [...config, ...list(json['layers'], 'layers'), ...list(json['blobs'], 'blobs')],
    ...(subject ? { subject } : {}),
    ...(isMediaType(artifactType) ? { artifactType } : {}),
    ...(annotations ? { annotations } : {}),
    json,
  };
}
