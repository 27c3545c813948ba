import { shown, shownPath } from '../builder-errors';
import type { TarEntry } from '@patch-factory/oci';
import { RootFsErrorCode, rootfsTerminal } from './rootfs-errors';
import { rootfsPath } from './rootfs-path';
import type { RootFs } from './rootfs';

/** One entry of a definition's `paths:` list. */
export interface PathInput {
  type: 'directory' | 'file' | 'symlink' | 'delete' | 'emptyfile';
  path: string;
  /** Content of a `file`. */
  content?: string;
  /** Target of a `symlink`. */
  source?: string;
  uid?: number;
  gid?: number;
  /** Octal permission bits, e.g. `"0755"`. */
  mode?: string;
  /** `delete`: the whole subtree (always); `directory`: owner applied to the subtree too. */
  recursive?: boolean;
  if?: string;
  platforms?: readonly string[];
}

export interface ApplyPathsOptions {
  /** `linux/amd64` or `linux/arm64`: entries for other platforms are skipped. */
  platform?: string;
  /** Evaluates an entry's `if:`; without it an entry with `if:` is refused. */
  condition?: (expression: string) => boolean;
}

const MAX_ID = 0xffff_fffe;
const MAX_CONTENT = 16 * 1024 * 1024;

/**
 * Applies a definition's `paths` entries in order: `directory` (created with parents, or its
 * owner and mode changed), `file` (with `content`), `emptyfile`, `symlink` (to `source`) and
 * `delete` (the path and everything below it). Owner defaults to root, mode to 0755 for
 * directories, 0644 for files. Throws `build-unsafe-path` for a `..` segment, a path through
 * a symlink or a symlink target above the root, and `build-rootfs-invalid` for a bad mode,
 * id, type, or an entry the in-memory assembly cannot do (`source` of a file).
 */
export function applyPaths(rootfs: RootFs, entries: readonly PathInput[], opts: ApplyPathsOptions = {}): void {
  for (const [i, p] of entries.entries()) {
    const what = `paths[${i}] "${shownPath(String(p.path), 120)}"`;
    const invalid = (why: string) =>
      rootfsTerminal(RootFsErrorCode.rootfsInvalid, `${what}: ${why}; fix the definition`);
    if (opts.platform !== undefined && p.platforms !== undefined && !p.platforms.includes(opts.platform)) continue;
    if (p.if !== undefined) {
      if (opts.condition === undefined) throw invalid('has an if: condition but no evaluator was given');
      if (!opts.condition(p.if)) continue;
    }
    const path = rootfsPath(p.path, what);
    if (path === '.')
      throw rootfsTerminal(RootFsErrorCode.unsafePath, `${what}: the image root itself cannot be changed`);
    const uid = checkId(p.uid, 'uid', invalid);
    const gid = checkId(p.gid, 'gid', invalid);
    const base = { path, uid, gid, mtime: 0, data: Buffer.alloc(0) };
    switch (p.type) {
      case 'delete':
        rootfs.delete(path, what);
        break;
      case 'directory': {
        const mode = parseMode(p.mode, 0o755, invalid);
        const existing = rootfs.get(path);
        if (existing !== undefined && existing.type !== 'dir')
          throw rootfsTerminal(
            RootFsErrorCode.fileConflict,
            `${what}: a ${existing.type} is already there; delete it first`,
          );
        rootfs.put({ ...base, type: 'dir', mode }, what);
        if (p.recursive === true) for (const sub of rootfs.subtree(path)) chown(rootfs, sub, uid, gid, what);
        break;
      }
      case 'file':
      case 'emptyfile': {
        if (p.type === 'file' && p.source !== undefined)
          throw invalid('copies a file from "source", which the in-memory assembly cannot read; give "content"');
        const content = p.type === 'file' ? (p.content ?? '') : '';
        if (typeof content !== 'string' || content.length > MAX_CONTENT)
          throw invalid(`content is not a string of at most ${MAX_CONTENT} characters`);
        rootfs.put(
          { ...base, type: 'file', mode: parseMode(p.mode, 0o644, invalid), data: Buffer.from(content, 'utf8') },
          what,
        );
        break;
      }
      case 'symlink': {
        const target = p.source;
        if (typeof target !== 'string' || target === '') throw invalid('a symlink needs its target in "source"');
        checkTarget(path, target, what);
        rootfs.put({ ...base, type: 'symlink', mode: 0o777, linkTarget: target }, what);
        break;
      }
      default:
        throw invalid(
          `type "${shown(String((p as { type: unknown }).type), 20)}" is not directory, file, emptyfile, symlink or delete`,
        );
    }
  }
}

function checkId(id: unknown, name: string, invalid: (why: string) => Error): number {
  if (id === undefined) return 0;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID)
    throw invalid(`${name} is not an id between 0 and ${MAX_ID}`);
  return id;
}

function parseMode(mode: string | undefined, fallback: number, invalid: (why: string) => Error): number {
  if (mode === undefined) return fallback;
  if (typeof mode !== 'string' || !/^0?[0-7]{3,4}$/.test(mode))
    throw invalid(`mode "${shown(String(mode), 12)}" is not an octal mode like 0755`);
  return parseInt(mode, 8) & 0o7777;
}

function checkTarget(path: string, target: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(target))
    throw rootfsTerminal(RootFsErrorCode.unsafePath, `${what}: the symlink target has a control character`);
  const stack = target.startsWith('/') ? [] : path.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') stack.push(segment);
    else if (stack.pop() === undefined)
      throw rootfsTerminal(
        RootFsErrorCode.unsafePath,
        `${what}: the symlink target "${shownPath(target)}" resolves outside the image root`,
      );
  }
}

function chown(rootfs: RootFs, path: string, uid: number, gid: number, what: string): void {
  const e: TarEntry | undefined = rootfs.get(path);
  if (e !== undefined) rootfs.put({ ...e, uid, gid }, what);
}
