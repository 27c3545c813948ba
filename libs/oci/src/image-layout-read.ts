import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PipelineError, TerminalError, shown, shownPath } from '@patch-factory/contracts';
import { LayoutReadErrorCode } from './oci-errors';
import {
  IMAGE_LAYOUT_CODES,
  REF_NAME_ANNOTATION,
  checkLayoutMarker,
  readLayoutBlob,
  readLayoutFile,
} from './oci-layout';
import { readTar, type TarEntry } from './tar-read';

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);
const GZIP_LAYERS = new Set([
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
]);
const TAR_LAYERS = new Set(['application/vnd.oci.image.layer.v1.tar']);
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REF_NAME = REF_NAME_ANNOTATION;
const MAX_JSON = 4 * 1024 * 1024;
const MAX_LAYERS = 512;
const MAX_DEPTH = 4;

export interface ImageLayoutReadOptions {
  /** `os/arch[/variant]`, e.g. `linux/amd64`; needed when the image has several platforms. */
  platform?: string;
  /** The `org.opencontainers.image.ref.name` of index.json to follow; needed when it names several images. */
  tag?: string;
}

export interface ImageRootFsReadOptions extends ImageLayoutReadOptions {
  /** Largest compressed layer blob (default 2 GiB). */
  maxLayerBytes?: number;
  /** Largest uncompressed layer and sum of all of them (default 4 GiB). */
  maxUncompressedBytes?: number;
  /** At most this many entries in a layer and in the file system (default 200000). */
  maxEntries?: number;
}

export interface ImageLayer {
  /** The compressed blob's digest (the manifest's). */
  digest: string;
  /** The uncompressed tar's digest (the config's `rootfs.diff_ids`). */
  diffId: string;
  size: number;
  mediaType: string;
}

export interface ImageLayout {
  /** The digest index.json points to: the image index (or the manifest, for a single-manifest layout). */
  indexDigest: string;
  /** The string annotations of that blob (its digest checked), e.g. the factory's image name. */
  indexAnnotations: Record<string, string>;
  manifestDigest: string;
  /** `os/arch[/variant]` as the config gives it. */
  platform: string;
  /** The parsed image config. */
  config: Record<string, unknown>;
  layers: ImageLayer[];
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

const fail = (code: LayoutReadErrorCode, message: string) => new TerminalError(code, message);

/**
 * Reads the image of an OCI image layout for one platform: index.json (the descriptor with
 * `opts.tag` as its ref name, or its only one), then an image index (the manifest for
 * `opts.platform`, or its only one) or a manifest directly, then the manifest's config.
 * Every blob read is checked against its descriptor's sha256 digest and size. Throws
 * `image-layout-invalid`, `image-blob-mismatch`, `image-layout-too-large` or `image-not-found`.
 */
export async function readImageLayout(dir: string, opts: ImageLayoutReadOptions = {}): Promise<ImageLayout> {
  const wanted = opts.platform === undefined ? undefined : parsePlatform(opts.platform);
  await checkLayoutMarker(dir, IMAGE_LAYOUT_CODES);
  const top = parseJson(
    await readLayoutFile(join(dir, 'index.json'), MAX_JSON, `${dir}/index.json`, IMAGE_LAYOUT_CODES),
    `${dir}/index.json`,
  );
  const entries = descriptors(top, `${dir}/index.json`);
  const chosen = chooseByTag(entries, opts.tag, `${dir}/index.json`);
  let desc = chosen;
  let indexAnnotations: Record<string, string> = {};
  for (let depth = 0; ; depth++) {
    if (depth >= MAX_DEPTH)
      throw fail(LayoutReadErrorCode.layoutInvalid, `${dir}: image indexes nest more than ${MAX_DEPTH} deep`);
    const what = `${dir}: blob ${desc.digest}`;
    if (INDEX_TYPES.has(desc.mediaType)) {
      const index = parseJson(await readBlob(dir, desc, MAX_JSON), what);
      if (depth === 0) indexAnnotations = stringAnnotations(index);
      desc = choosePlatform(descriptors(index, what), wanted, what);
      continue;
    }
    if (!MANIFEST_TYPES.has(desc.mediaType))
      throw fail(
        LayoutReadErrorCode.layoutInvalid,
        `${what} has media type "${shown(desc.mediaType, 80)}", neither an image index nor a manifest`,
      );
    const manifest = parseJson(await readBlob(dir, desc, MAX_JSON), what) as { config?: unknown; layers?: unknown };
    if (depth === 0) indexAnnotations = stringAnnotations(manifest);
    const configDesc = descriptor(manifest.config, `${what} config`);
    if (!Array.isArray(manifest.layers) || manifest.layers.length > MAX_LAYERS)
      throw fail(
        LayoutReadErrorCode.layoutInvalid,
        `${what}: layers is not a list of at most ${MAX_LAYERS} descriptors`,
      );
    const layerDescs = manifest.layers.map((l: unknown, i) => descriptor(l, `${what} layer ${i + 1}`));
    const config = parseJson(
      await readBlob(dir, configDesc, MAX_JSON),
      `${dir}: config ${configDesc.digest}`,
    ) as Record<string, unknown>;
    const platform = configPlatform(config, `${dir}: config ${configDesc.digest}`);
    if (wanted && platform !== wanted)
      throw fail(LayoutReadErrorCode.notFound, `${what} is for ${platform}, not the asked ${wanted}`);
    const diffIds = (config['rootfs'] as { diff_ids?: unknown } | undefined)?.diff_ids;
    if (
      !Array.isArray(diffIds) ||
      diffIds.length !== layerDescs.length ||
      !diffIds.every((d) => typeof d === 'string' && DIGEST.test(d))
    ) {
      throw fail(
        LayoutReadErrorCode.layoutInvalid,
        `${dir}: config ${configDesc.digest}: rootfs.diff_ids is not one sha256 digest per manifest layer (${layerDescs.length})`,
      );
    }
    const layers = layerDescs.map((l, i) => {
      if (!GZIP_LAYERS.has(l.mediaType) && !TAR_LAYERS.has(l.mediaType))
        throw fail(
          LayoutReadErrorCode.layoutInvalid,
          `${what} layer ${i + 1} has media type "${shown(l.mediaType, 80)}", not a tar or tar+gzip layer`,
        );
      return { digest: l.digest, diffId: diffIds[i] as string, size: l.size, mediaType: l.mediaType };
    });
    return { indexDigest: chosen.digest, indexAnnotations, manifestDigest: desc.digest, platform, config, layers };
  }
}

/**
 * The flattened file system of an image (`readImageLayout`): each layer's blob checked and
 * decompressed within limits, its tar checked against its diff_id and read with `readTar`
 * (no entry escapes the root), then applied in order: whiteouts (`.wh.<name>` removes a path
 * and what is below it, `.wh..wh..opq` empties a directory) act on the layers below, and an
 * entry replaces one at the same path (a non-directory replacing a directory removes its
 * subtree). Keys are root-relative paths (`etc/os-release`).
 */
export async function readImageRootFs(dir: string, opts: ImageRootFsReadOptions = {}): Promise<Map<string, TarEntry>> {
  return readLayerEntries(dir, await readImageLayout(dir, opts), opts);
}

/** `readImageRootFs` for an image already read with `readImageLayout`. */
export async function readLayerEntries(
  dir: string,
  image: ImageLayout,
  opts: ImageRootFsReadOptions = {},
): Promise<Map<string, TarEntry>> {
  const maxLayer = opts.maxLayerBytes ?? 2 * 1024 ** 3;
  const maxUncompressed = opts.maxUncompressedBytes ?? 4 * 1024 ** 3;
  const maxEntries = opts.maxEntries ?? 200_000;
  const fs = new Map<string, TarEntry>();
  let total = 0;
  for (const [i, layer] of image.layers.entries()) {
    const what = `${dir}: layer ${i + 1} (${layer.digest})`;
    const blob = await readBlob(dir, { mediaType: layer.mediaType, digest: layer.digest, size: layer.size }, maxLayer);
    const tar = GZIP_LAYERS.has(layer.mediaType)
      ? gunzipLimited(blob, Math.min(maxUncompressed - total, 0x7fffffff), what)
      : blob;
    total += tar.length;
    if (total > maxUncompressed)
      throw fail(
        LayoutReadErrorCode.tooLarge,
        `${what}: the layers hold more than ${maxUncompressed} bytes uncompressed`,
      );
    const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
    if (diffId !== layer.diffId)
      throw fail(
        LayoutReadErrorCode.blobMismatch,
        `${what}: the uncompressed tar has digest ${diffId}, not the config's diff_id ${layer.diffId}`,
      );
    applyLayer(fs, readLayerTar(tar, what, maxEntries), what);
    if (fs.size > maxEntries)
      throw fail(LayoutReadErrorCode.tooLarge, `${dir}: the file system has more than ${maxEntries} entries`);
  }
  return fs;
}

/** Applies one layer's entries to the file system below it (OCI image-spec "Applying changesets"). */
export function applyLayer(fs: Map<string, TarEntry>, entries: readonly TarEntry[], what: string): void {
  const additions: TarEntry[] = [];
  for (const e of entries) {
    const slash = e.path.lastIndexOf('/');
    const parent = slash < 0 ? '' : e.path.slice(0, slash);
    const base = e.path.slice(slash + 1);
    if (!base.startsWith('.wh.')) {
      additions.push(e);
      continue;
    }
    if (base === '.wh..wh..opq') {
      removeBelow(fs, parent);
      continue;
    }
    const name = base.slice('.wh.'.length);
    if (name === '' || name === '.' || name === '..' || name.startsWith('.wh.'))
      throw fail(LayoutReadErrorCode.layerInvalid, `${what}: whiteout "${shownPath(e.path)}" names no file`);
    const target = parent === '' ? name : `${parent}/${name}`;
    fs.delete(target);
    removeBelow(fs, target);
  }
  for (const e of additions) {
    if (e.path === '.') continue;
    const before = fs.get(e.path);
    if (before?.type === 'dir' && e.type !== 'dir') removeBelow(fs, e.path);
    fs.set(e.path, e);
  }
}

/** Removes every path strictly below `dir` ('' for the root). */
function removeBelow(fs: Map<string, TarEntry>, dir: string): void {
  const prefix = dir === '' ? '' : `${dir}/`;
  for (const path of [...fs.keys()]) if (path.startsWith(prefix) && path !== dir) fs.delete(path);
}

function readLayerTar(tar: Buffer, what: string, maxEntries: number): TarEntry[] {
  try {
    return readTar(tar, { what, maxEntries });
  } catch (error) {
    if (error instanceof PipelineError)
      throw new TerminalError(LayoutReadErrorCode.layerInvalid, `${error.message} (${error.code})`, { cause: error });
    throw error;
  }
}

function gunzipLimited(blob: Buffer, max: number, what: string): Buffer {
  try {
    return gunzipSync(blob, { maxOutputLength: Math.max(1, max) });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE')
      throw fail(LayoutReadErrorCode.tooLarge, `${what} decompresses to more than ${max} bytes`);
    throw new TerminalError(
      LayoutReadErrorCode.layerInvalid,
      `${what} is not valid gzip: ${shown(String((error as Error).message), 120)}`,
      { cause: error },
    );
  }
}

/** A blob of the layout, checked against its descriptor (digest, size, a regular file under blobs/sha256). */
function readBlob(dir: string, desc: Descriptor, max: number): Promise<Buffer> {
  return readLayoutBlob(dir, desc, max, IMAGE_LAYOUT_CODES);
}

function parseJson(data: Buffer, what: string): unknown {
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch (error) {
    throw new TerminalError(
      LayoutReadErrorCode.layoutInvalid,
      `${what} is not a JSON object: ${shown(String((error as Error).message), 120)}`,
      { cause: error },
    );
  }
}

/** The string values of a JSON object's `annotations` (others left out). */
function stringAnnotations(value: unknown): Record<string, string> {
  const a = (value as { annotations?: unknown }).annotations;
  if (!a || typeof a !== 'object' || Array.isArray(a)) return {};
  return Object.fromEntries(Object.entries(a).filter((kv): kv is [string, string] => typeof kv[1] === 'string'));
}

function descriptors(value: unknown, what: string): Descriptor[] {
  const manifests = (value as { manifests?: unknown }).manifests;
  if (!Array.isArray(manifests) || manifests.length === 0 || manifests.length > 1024)
    throw fail(LayoutReadErrorCode.layoutInvalid, `${what}: manifests is not a list of 1 to 1024 descriptors`);
  return manifests.map((m: unknown, i) => descriptor(m, `${what} manifests[${i}]`));
}

function descriptor(value: unknown, what: string): Descriptor {
  if (value === null || typeof value !== 'object')
    throw fail(LayoutReadErrorCode.layoutInvalid, `${what} is not a descriptor object`);
  const d = value as Record<string, unknown>;
  if (typeof d['mediaType'] !== 'string') throw fail(LayoutReadErrorCode.layoutInvalid, `${what} has no mediaType`);
  if (typeof d['digest'] !== 'string' || !DIGEST.test(d['digest']))
    throw fail(
      LayoutReadErrorCode.layoutInvalid,
      `${what}: digest "${shown(String(d['digest']), 80)}" is not sha256:<64 lowercase hex>`,
    );
  const size = d['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw fail(LayoutReadErrorCode.layoutInvalid, `${what}: size "${shown(String(size), 30)}" is not a byte count`);
  const out: Descriptor = { mediaType: d['mediaType'], digest: d['digest'], size };
  const p = d['platform'] as Record<string, unknown> | undefined;
  if (p && typeof p === 'object' && typeof p['os'] === 'string' && typeof p['architecture'] === 'string') {
    out.platform = {
      os: p['os'],
      architecture: p['architecture'],
      ...(typeof p['variant'] === 'string' ? { variant: p['variant'] } : {}),
    };
  }
  if (d['annotations'] && typeof d['annotations'] === 'object') out.annotations = stringAnnotations(d);
  return out;
}

function chooseByTag(entries: Descriptor[], tag: string | undefined, what: string): Descriptor {
  const tags = entries.map((e) => e.annotations?.[REF_NAME] ?? '(untagged)');
  if (tag === undefined) {
    if (entries.length === 1) return entries[0] as Descriptor;
    throw fail(
      LayoutReadErrorCode.notFound,
      `${what} names ${entries.length} images (${shown(tags.join(', '), 200)}); give the tag to read`,
    );
  }
  const found = entries.filter((e) => e.annotations?.[REF_NAME] === tag);
  if (found.length !== 1)
    throw fail(
      LayoutReadErrorCode.notFound,
      `${what} has ${found.length === 0 ? 'no' : 'several'} images tagged "${shown(tag, 64)}" (tags: ${shown(tags.join(', '), 200)})`,
    );
  return found[0] as Descriptor;
}

function choosePlatform(entries: Descriptor[], wanted: string | undefined, what: string): Descriptor {
  const named = entries.map((e) => ({ e, name: e.platform ? platformName(e.platform) : undefined }));
  const list = named.map((n) => n.name ?? '(no platform)').join(', ');
  if (wanted === undefined) {
    if (entries.length === 1) return entries[0] as Descriptor;
    throw fail(
      LayoutReadErrorCode.notFound,
      `${what} holds ${entries.length} platforms (${shown(list, 200)}); give the platform to read`,
    );
  }
  const found = named.filter((n) => n.name === wanted);
  if (found.length !== 1)
    throw fail(
      LayoutReadErrorCode.notFound,
      `${what} has ${found.length === 0 ? 'no' : 'several'} manifests for ${wanted} (platforms: ${shown(list, 200)})`,
    );
  return (found[0] as { e: Descriptor }).e;
}

function configPlatform(config: Record<string, unknown>, what: string): string {
  const os = config['os'];
  const architecture = config['architecture'];
  const variant = config['variant'];
  const word = (v: unknown) => typeof v === 'string' && /^[a-z0-9][a-z0-9._-]{0,63}$/.test(v);
  if (!word(os) || !word(architecture) || (variant !== undefined && !word(variant)))
    throw fail(LayoutReadErrorCode.layoutInvalid, `${what} has no valid os/architecture`);
  return platformName({
    os: os as string,
    architecture: architecture as string,
    ...(variant === undefined ? {} : { variant: variant as string }),
  });
}

function platformName(p: { os: string; architecture: string; variant?: string }): string {
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined).join('/');
}

function parsePlatform(text: string): string {
  if (!/^[a-z0-9][a-z0-9._-]{0,63}\/[a-z0-9][a-z0-9._-]{0,63}(\/[a-z0-9][a-z0-9._-]{0,63})?$/.test(text)) {
    throw fail(LayoutReadErrorCode.notFound, `platform "${shown(text, 64)}" is not os/arch[/variant] like linux/amd64`);
  }
  return text;
}
