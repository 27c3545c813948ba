import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** What a finished build leaves in the cache: its inputs' key and the image index digest. */
export interface BuildRecord {
  key: string;
  digest: string;
}

const HEX = /^[0-9a-f]{64}$/;

/** The record of the last build with this input key, if any. */
export async function readBuildRecord(cacheDir: string, key: string): Promise<BuildRecord | undefined> {
  if (!HEX.test(key)) return undefined;
  const text = await readFile(join(cacheDir, 'builds', `${key}.json`), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<BuildRecord>;
    return value.key === key && typeof value.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(value.digest)
      ? { key, digest: value.digest }
      : undefined;
  } catch {
    return undefined;
  }
}

export async function writeBuildRecord(cacheDir: string, record: BuildRecord): Promise<void> {
  const dir = join(cacheDir, 'builds');
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${record.key}.${randomBytes(4).toString('hex')}`);
  await writeFile(tmp, JSON.stringify(record));
  await rename(tmp, join(dir, `${record.key}.json`));
}

/**
 * True when `dir` is an OCI layout whose index.json points to `digest` and every blob below
 * it (manifests, configs, layers) is present with its size: the previous build's output is
 * still whole and can be kept as it is.
 */
export async function layoutHolds(dir: string, digest: string): Promise<boolean> {
  try {
    const top = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests?: { digest?: string }[] };
    if (top.manifests?.length !== 1 || top.manifests[0]?.digest !== digest) return false;
    const pending = [digest];
    for (let n = 0; pending.length > 0 && n < 10_000; n++) {
      const d = pending.pop() as string;
      const path = blobPath(dir, d);
      if (path === undefined) return false;
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) return false;
      if (st.size > 4 * 1024 * 1024) continue; // a layer: present is enough
      const text = await readFile(path, 'utf8');
      if (!text.startsWith('{')) continue;
      const doc = JSON.parse(text) as {
        mediaType?: string;
        manifests?: { digest: string }[];
        config?: { digest?: unknown };
        layers?: { digest: string; size: number }[];
      };
      if (doc.mediaType === undefined) continue; // an image config: a leaf
      for (const m of doc.manifests ?? []) pending.push(m.digest);
      if (typeof doc.config?.digest === 'string') pending.push(doc.config.digest);
      for (const l of doc.layers ?? []) {
        const lp = blobPath(dir, l.digest);
        const ls = lp === undefined ? undefined : await stat(lp).catch(() => undefined);
        if (!ls?.isFile() || ls.size !== l.size) return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

function blobPath(dir: string, digest: string): string | undefined {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  return m ? join(dir, 'blobs', 'sha256', m[1] as string) : undefined;
}

/** Moves a finished layout from `tmp` to `dir`, replacing what was there; the old one is removed after. */
export async function replaceDir(tmp: string, dir: string): Promise<void> {
  const old = `${dir}.old-${randomBytes(4).toString('hex')}`;
  const had = await stat(dir).then(
    () => true,
    () => false,
  );
  if (had) await rename(dir, old);
  await rename(tmp, dir);
  if (had) await rm(old, { recursive: true, force: true });
}
