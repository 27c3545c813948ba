import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTag, mapLimited, type TarEntry } from '@patch-factory/oci';
import { shown } from '../builder-errors';
import { canonicalJson, sha256Digest } from './canonical-json';
import { checkPlatform, checkRunConfig, rfc3339, type ImagePlatform, type ImageRunConfig } from './image-config';
import { OCI_LAYER_GZIP_MEDIA_TYPE, compressLayerAsync, type LayerBlob } from './layer';
import { OciWriteErrorCode, ociTerminal } from './oci-errors';
import { checkSourceDateEpoch, writeTar } from './tar-write';

export const OCI_INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';

export interface ImageLayoutPlatform extends ImagePlatform {
  /** Layers bottom first; each is the entries of one layer tar (see `writeTar`). */
  layers: TarEntry[][];
  config: ImageRunConfig;
}

export interface ImageLayoutSpec {
  platforms: ImageLayoutPlatform[];
  /** Annotations of the image index (`org.opencontainers.image.*`). */
  annotations?: Record<string, string>;
  /** SOURCE_DATE_EPOCH: every mtime, `created` and history date. */
  sourceDateEpoch: number;
  /** The tag the layout's index.json gives the image (`org.opencontainers.image.ref.name`; default `latest`), which `umoci unpack --image dir:tag` and `skopeo oci:dir:tag` name. */
  refName?: string;
  /** Called after each layer blob is written: platform, layer number (1-based), layers of that platform. */
  onLayer?: (platform: string, layer: number, layers: number) => void;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: ImagePlatform;
}

/**
 * Writes a reproducible OCI image layout into `dir` (created if missing): `oci-layout`,
 * `index.json` pointing to one image index, which points to one manifest per platform, each
 * with its config and gzip layers; every blob under `blobs/sha256/<hex>`, JSON in canonical
 * form (sorted keys). The same spec gives the same bytes and digests whenever and wherever it
 * is written; an unchanged layer keeps its digest. Returns the image index digest.
 * Throws `build-image-invalid`, `build-layer-invalid` or `build-unsafe-path` for bad input.
 */
export async function writeImageLayout(dir: string, spec: ImageLayoutSpec): Promise<string> {
  const epoch = checkSourceDateEpoch(spec.sourceDateEpoch);
  if (!Array.isArray(spec.platforms) || spec.platforms.length === 0)
    throw ociTerminal(OciWriteErrorCode.imageInvalid, 'an image needs at least one platform');
  const annotations = checkAnnotations(spec.annotations);
  const created = rfc3339(epoch);
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });

  const seen = new Set<string>();
  const compressed = new Map<string, Promise<LayerBlob>>();
  const manifests: Descriptor[] = [];
  for (const p of spec.platforms) {
    const platform = checkPlatform(p);
    const name = [platform.os, platform.architecture, platform.variant].filter((s) => s !== undefined).join('/');
    if (seen.has(name))
      throw ociTerminal(OciWriteErrorCode.imageInvalid, `platform ${name} appears twice; give each platform once`);
    seen.add(name);
    if (!Array.isArray(p.layers)) throw ociTerminal(OciWriteErrorCode.imageInvalid, `${name}: layers is not a list`);
    const layers: Descriptor[] = [];
    const diffIds: string[] = [];
    // Tars are written in order; compression runs on zlib's thread pool, several at once. A
    // layer whose tar another platform already has is compressed once.
    const built = await mapLimited(p.layers, 4, async (entries, i) => {
      const tar = writeTar(entries, { sourceDateEpoch: epoch, what: `${name} layer ${i + 1}` });
      const key = sha256Digest(tar);
      let pending = compressed.get(key);
      if (!pending) compressed.set(key, (pending = compressLayerAsync(tar)));
      return pending;
    });
    for (const [i, layer] of built.entries()) {
      await writeBlob(blobs, layer.digest, layer.blob);
      spec.onLayer?.(name, i + 1, built.length);
      layers.push({ mediaType: OCI_LAYER_GZIP_MEDIA_TYPE, digest: layer.digest, size: layer.size });
      diffIds.push(layer.diffId);
    }
    const config = canonicalJson({
      created,
      ...platform,
      config: checkRunConfig(p.config ?? {}, name),
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map((_, i) => ({ created, created_by: `patch-factory layer ${i + 1} of ${diffIds.length}` })),
    });
    const configDesc = await putJson(blobs, OCI_CONFIG_MEDIA_TYPE, config);
    const manifest = canonicalJson({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      config: configDesc,
      layers,
    });
    manifests.push({ ...(await putJson(blobs, OCI_MANIFEST_MEDIA_TYPE, manifest)), platform });
  }
  const index = canonicalJson({
    schemaVersion: 2,
    mediaType: OCI_INDEX_MEDIA_TYPE,
    manifests,
    ...(annotations ? { annotations } : {}),
  });
  const indexDesc = await putJson(blobs, OCI_INDEX_MEDIA_TYPE, index);
  await writeAtomic(join(dir, 'oci-layout'), canonicalJson({ imageLayoutVersion: '1.0.0' }));
  const refName = spec.refName ?? 'latest';
  if (!isTag(refName))
    throw ociTerminal(OciWriteErrorCode.imageInvalid, `tag "${shown(refName, 64)}" is not a tag like 1.2 or latest`);
  const top = { ...indexDesc, annotations: { 'org.opencontainers.image.ref.name': refName } };
  await writeAtomic(
    join(dir, 'index.json'),
    canonicalJson({ schemaVersion: 2, mediaType: OCI_INDEX_MEDIA_TYPE, manifests: [top] }),
  );
  return indexDesc.digest;
}

function checkAnnotations(a: Record<string, string> | undefined): Record<string, string> | undefined {
  if (a === undefined) return undefined;
  const entries = Object.entries(a);
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || k.includes('\0') || v.includes('\0'))
      throw ociTerminal(
        OciWriteErrorCode.imageInvalid,
        `annotation "${shown(k, 64)}" is not a string without NUL bytes`,
      );
  }
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

async function putJson(blobs: string, mediaType: string, data: Buffer): Promise<Descriptor> {
  const digest = sha256Digest(data);
  await writeBlob(blobs, digest, data);
  return { mediaType, digest, size: data.length };
}

/** A content-addressed blob: written once (atomically); an existing one of the right size is kept. */
async function writeBlob(blobs: string, digest: string, data: Buffer): Promise<void> {
  const path = join(blobs, digest.slice('sha256:'.length));
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isFile() && existing.size === data.length) return;
  await writeAtomic(path, data);
}

async function writeAtomic(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, data, { mode: 0o644 });
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}
