// Test helpers (not a suite): reading an OCI image layout the builder wrote.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readTar, type TarEntry } from '@patch-factory/oci';

interface Descriptor {
  digest: string;
  mediaType?: string;
}

function blob(layout: string, digest: string): Buffer {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
  if (hex === undefined) throw new Error(`${digest} is not a sha256 digest`);
  return readFileSync(join(layout, 'blobs', 'sha256', hex));
}

function json<T>(layout: string, digest: string): T {
  return JSON.parse(blob(layout, digest).toString('utf8')) as T;
}

/** The layer digests of the first platform of the layout's image (index.json → image index → manifest). */
export function layerDigests(layout: string): string[] {
  const top = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const index = json<{ manifests: Descriptor[] }>(layout, (top.manifests[0] as Descriptor).digest);
  const manifest = json<{ layers: Descriptor[] }>(layout, (index.manifests[0] as Descriptor).digest);
  return manifest.layers.map((l) => l.digest);
}

/** The entries of the first platform's last layer (the image's own files), read by the builder's tar reader. */
export function lastLayerEntries(layout: string): TarEntry[] {
  const digests = layerDigests(layout);
  const last = digests[digests.length - 1];
  if (last === undefined) throw new Error(`${layout}: the image has no layers`);
  return readTar(gunzipSync(blob(layout, last)), { what: `${layout} last layer` });
}
