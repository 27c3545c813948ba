import { chmod, chown, lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RootFs, materializeRootFs, rootfsPath } from '@patch-factory/builder';
import {
  readImageLayout,
  readLayerEntries,
  type ImageLayout,
  type ImageLayoutReadOptions,
  type TarEntry,
} from '@patch-factory/oci';

/**
 * The flattened file system of an image as a RootFs, without RootFs's merged-/usr rewriting
 * (the image's own paths, `bin` → `usr/bin` symlink included, are written as they are), so
 * materializeRootFs — which never writes through a symlink — can write it to disk.
 */
class ImageEntries extends RootFs {
  constructor(private readonly fs: ReadonlyMap<string, TarEntry>) {
    super();
  }

  override entries(): TarEntry[] {
    return [...this.fs.values()]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((e) => ({ ...e }));
  }

  override get(rawPath: string): TarEntry | undefined {
    return this.fs.get(rootfsPath(rawPath, 'lookup'));
  }
}

export interface UnpackedImage {
  layout: ImageLayout;
  /** The flattened file system, as read from the layers. */
  fs: ReadonlyMap<string, TarEntry>;
  /** The image root on disk (a directory every user may traverse). */
  root: string;
  /** Removes the temporary directory; safe to call twice. */
  remove(): Promise<void>;
}

/**
 * Reads the image of an OCI layout (blobs checked against their digests, layers flattened) and
 * writes its root below a fresh temporary directory, removed again when writing fails (otherwise
 * by `remove()`). The image's setuid files must not be reachable by other users of the host while
 * it is there: as root the directory is `root:<gid> 0710`, where `gid` (from `group(layout, fs)`)
 * is the group the tests run as, so only they can reach the root; otherwise it is `0700`.
 */
export async function unpackImage(
  dir: string,
  opts: ImageLayoutReadOptions,
  group: (layout: ImageLayout, fs: ReadonlyMap<string, TarEntry>) => number,
): Promise<UnpackedImage> {
  const layout = await readImageLayout(dir, opts);
  const fs = await readLayerEntries(dir, layout);
  const gid = group(layout, fs);
  const temp = await mkdtemp(join(tmpdir(), 'pf-image-test-'));
  const remove = () => removeTree(temp);
  try {
    if (process.getuid?.() === 0) {
      await chown(temp, 0, gid);
      await chmod(temp, 0o710);
    } else await chmod(temp, 0o700);
    const root = join(temp, 'root');
    await materializeRootFs(new ImageEntries(fs), root);
    await chmod(root, 0o755);
    return { layout, fs, root, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** rm -rf that also works as a non-root user on read-only directories of the image (made writable first, symlinks never followed). */
async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
    return;
  } catch {
    await makeWritable(path);
  }
  await rm(path, { recursive: true, force: true });
}

async function makeWritable(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isDirectory()) return;
  await chmod(path, 0o700).catch(() => undefined);
  for (const name of await readdir(path).catch(() => [] as string[])) await makeWritable(join(path, name));
}
