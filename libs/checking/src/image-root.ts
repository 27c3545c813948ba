import { RootFs, materializeRootFs } from '@patch-factory/builder';
import { readImageLayout, readLayerEntries, type ImageLayout } from '@patch-factory/oci';

/** The image config's run settings, as image tests need them. */
export interface ImageRunConfig {
  env: string[];
  /** `User` as written (`uid[:gid]`, a name, or empty: root). */
  user: string;
  workDir: string;
}

/** Reads `config.config` of an image config (Env, User, WorkingDir). */
export function imageRunConfig(image: ImageLayout): ImageRunConfig {
  const c = (image.config['config'] ?? {}) as { Env?: unknown; User?: unknown; WorkingDir?: unknown };
  const env = Array.isArray(c.Env) ? c.Env.filter((e): e is string => typeof e === 'string') : [];
  return {
    env,
    user: typeof c.User === 'string' ? c.User : '',
    workDir: typeof c.WorkingDir === 'string' && c.WorkingDir !== '' ? c.WorkingDir : '/',
  };
}

/**
 * Unpacks one platform of an OCI image layout into the empty directory `dir`: the layers
 * flattened by libs/builder's reader (digests checked, nothing escapes the root), written by
 * its materializer (modes, owners as root, never through a symlink). Returns the image read.
 */
export async function materializeImage(layout: string, platform: string, dir: string): Promise<ImageLayout> {
  const image = await readImageLayout(layout, { platform });
  const entries = await readLayerEntries(layout, image);
  const rootfs = new RootFs();
  const sorted = [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) rootfs.put(entry, `${layout} (${platform})`);
  await materializeRootFs(rootfs, dir);
  return image;
}
