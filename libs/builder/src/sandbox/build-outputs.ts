import { PipelineError } from '@patch-factory/contracts';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BuilderErrorCode, builderTerminal, shown, shownPath } from '../builder-errors';
import type { TarEntry } from '@patch-factory/oci';
import { RootFsErrorCode } from '../rootfs/rootfs-errors';
import { MERGED_USR_DIRS, mergedUsrPath, movedLinkTarget } from '../rootfs/rootfs-path';
import type { RootFs } from '../rootfs/rootfs';
import { resolveInRoot } from './root-resolve';
import { SandboxErrorCode, sandboxTerminal } from './sandbox-errors';

/** One `builds[].outputs[]` entry: what of the build root goes where into the image. */
export interface BuildOutputSpec {
  /** Absolute path in the build root: a file, a directory (copied with everything below) or a symlink. */
  source?: string;
  /** Absolute path in the image; default: `source`. `/` with a directory source merges its contents into the image root. */
  target?: string;
  /** Owner of every copied entry (default: as on disk). */
  uid?: number;
  gid?: number;
  /** Octal mode of the source entry itself (the file, or the top directory). */
  mode?: string;
}

const MAX_ID = 0xffff_fffe;
const MERGED = new Set<string>(MERGED_USR_DIRS);

/**
 * Copies each output's `source` from the materialized build root `root` into the image
 * `into` at `target`, applying the uid/gid/mode overrides; mtimes are 0, hard links become
 * separate files, symlinks stay symlinks. Paths are resolved inside the root by hand (a
 * symlink in the source path is followed the way a process chrooted in `root` would, never
 * by the host). Throws `build-output-missing` for a source not there, `build-output-unsafe`
 * for a `..` segment, a source resolving above the root, a copied symlink pointing above the
 * image root, a target below an image symlink, or a fifo, socket or device;
 * `build-spec-invalid` for a bad uid, gid or mode. `where` names the build
 * (`contents.builds[0]`).
 */
export async function collectOutputs(
  root: string,
  outputs: readonly BuildOutputSpec[],
  into: RootFs,
  where: string,
): Promise<void> {
  for (const [i, output] of outputs.entries()) await collectOne(root, output, into, `${where}.outputs[${i}]`);
}

async function collectOne(root: string, o: BuildOutputSpec, into: RootFs, what: string): Promise<void> {
  const unsafe = (why: string) =>
    sandboxTerminal(SandboxErrorCode.outputUnsafe, `${what}: ${why}; the output is refused`);
  const invalid = (why: string) => builderTerminal(BuilderErrorCode.specInvalid, `${what}: ${why}; fix the definition`);
  if (typeof o.source !== 'string' || o.source === '')
    throw sandboxTerminal(
      SandboxErrorCode.outputMissing,
      `${what} names no source; give the path of the build root to copy`,
    );
  checkedPath(o.source, 'source', unsafe);
  const target = checkedPath(o.target ?? o.source, 'target', unsafe);
  const uid = checkId(o.uid, 'uid', invalid);
  const gid = checkId(o.gid, 'gid', invalid);
  if (o.mode !== undefined && (typeof o.mode !== 'string' || !/^0?[0-7]{3,4}$/.test(o.mode)))
    throw invalid(`mode "${shown(String(o.mode), 12)}" is not an octal mode like 0755`);
  const mode = o.mode === undefined ? undefined : parseInt(o.mode, 8) & 0o7777;

  const found = await resolveInRoot(root, o.source, { followFinal: false, unsafe: (why) => unsafe(`source ${why}`) });
  if (found.kind !== 'found') {
    const why =
      found.kind === 'missing'
        ? `"/${shownPath(found.path)}" does not exist`
        : `"/${shownPath(found.path)}" is no directory`;
    throw sandboxTerminal(
      SandboxErrorCode.outputMissing,
      `${what}: source "${shownPath(o.source)}" is not in the build root after the build (${why}); check the build steps and the path`,
    );
  }
  if (target === '.' && !found.stat.isDirectory())
    throw unsafe(`a ${kindOf(found.stat)} cannot replace the image root`);
  if (target === '.' && mode !== undefined) throw invalid('a mode cannot apply to the image root (target "/")');
  checkTargetParents(into, target, unsafe);

  const entries: TarEntry[] = [];
  await readTree(root, found.path, target, found.stat, entries, unsafe);
  for (const [i, e] of entries.entries()) {
    const entry: TarEntry = {
      ...e,
      uid: uid ?? e.uid,
      gid: gid ?? e.gid,
      mode: i === 0 && target !== '.' && mode !== undefined && e.type !== 'symlink' ? mode : e.mode,
    };
    try {
      into.put(entry, what);
    } catch (error) {
      if (error instanceof PipelineError && error.code === RootFsErrorCode.unsafePath) throw unsafe(error.message);
      throw error;
    }
  }
}

/** Root-relative form of an output path; refuses `..` and control characters. */
function checkedPath(raw: string, name: string, unsafe: (why: string) => Error): string {
  if (typeof raw !== 'string') throw unsafe(`${name} is not a path`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw unsafe(`${name} "${shownPath(raw)}" has a control character`);
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw unsafe(`${name} "${shownPath(raw)}" has a ".." segment`);
  return segments.length === 0 ? '.' : segments.join('/');
}

function checkId(id: unknown, name: string, invalid: (why: string) => Error): number | undefined {
  if (id === undefined) return undefined;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID)
    throw invalid(`${name} is not an id between 0 and ${MAX_ID}`);
  return id;
}

/** The target may not lie below a symlink of the image (it would be written elsewhere than it says). */
function checkTargetParents(into: RootFs, target: string, unsafe: (why: string) => Error): void {
  const segments = target.split('/');
  for (let i = 1; i < segments.length; i++) {
    const parent = segments.slice(0, i).join('/');
    const e = into.get(parent);
    if (e?.type === 'symlink')
      throw unsafe(`target "/${shownPath(target)}" lies below the symlink "/${shownPath(parent)}" of the image`);
    if (e !== undefined && e.type !== 'dir')
      throw unsafe(`target "/${shownPath(target)}" lies below the ${e.type} "/${shownPath(parent)}" of the image`);
  }
}

/** Reads `src` (root-relative, lstat `stat`) and everything below it as image entries at `dst`, sorted by path. */
async function readTree(
  root: string,
  src: string,
  dst: string,
  stat: Stats,
  out: TarEntry[],
  unsafe: (why: string) => Error,
): Promise<void> {
  const base = { path: dst, uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o7777, mtime: 0, data: Buffer.alloc(0) };
  if (stat.isDirectory()) {
    if (dst !== '.') out.push({ ...base, type: 'dir' });
    for (const name of (await readdir(join(root, src))).sort()) {
      const child = src === '.' ? name : `${src}/${name}`;
      await readTree(root, child, dst === '.' ? name : `${dst}/${name}`, await lstat(join(root, child)), out, unsafe);
    }
  } else if (stat.isFile()) {
    out.push({ ...base, type: 'file', data: await readRegularFile(join(root, src), unsafe) });
  } else if (stat.isSymbolicLink()) {
    const linkTarget = await readlink(join(root, src));
    // The merged-/usr links (`bin` → `usr/bin`…) every image root already has.
    if (MERGED.has(dst) && (linkTarget === `usr/${dst}` || linkTarget === `/usr/${dst}`)) return;
    const merged = mergedUsrPath(dst);
    checkLinkTarget(dst, linkTarget, unsafe);
    out.push({
      ...base,
      path: merged,
      type: 'symlink',
      mode: 0o777,
      linkTarget: movedLinkTarget(dst, merged, linkTarget, 'output'),
    });
  } else {
    throw unsafe(`"/${shownPath(src)}" of the build root is a ${kindOf(stat)}, which an image may not hold`);
  }
}

async function readRegularFile(path: string, unsafe: (why: string) => Error): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) throw unsafe(`"${shownPath(path)}" changed while it was read`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** A symlink placed at `path` may not point above the image root. */
function checkLinkTarget(path: string, target: string, unsafe: (why: string) => Error): void {
  // eslint-disable-next-line no-control-regex
  if (target === '' || /[\u0000-\u001f\u007f]/.test(target))
    throw unsafe(`symlink "/${shownPath(path)}" has an empty target or a control character in it`);
  const stack = target.startsWith('/') ? [] : path.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') stack.push(segment);
    else if (stack.pop() === undefined)
      throw unsafe(`symlink "/${shownPath(path)}" points to "${shownPath(target)}", above the image root`);
  }
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'directory';
  if (stat.isFile()) return 'file';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isFIFO()) return 'fifo';
  if (stat.isSocket()) return 'socket';
  return 'device';
}
