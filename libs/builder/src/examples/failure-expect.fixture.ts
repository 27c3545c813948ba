// Test helpers (not a suite): a build that must fail with a code and a message, and leave its
// output as it was (absent, or the previous layout untouched) with nothing beside it.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '@patch-factory/contracts';

/** Every entry below `dir`: relative path → type, mode, owner, size, inode, mtime and content hash. */
export function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const path = rel === '' ? dir : join(dir, rel);
    const st = lstatSync(path);
    const kind = st.isDirectory()
      ? 'dir'
      : st.isSymbolicLink()
        ? `link:${readlinkSync(path)}`
        : st.isFile()
          ? `file:${createHash('sha256').update(readFileSync(path)).digest('hex')}`
          : 'other';
    out[rel === '' ? '.' : rel] = [kind, st.mode.toString(8), st.uid, st.gid, st.size, st.ino, st.mtimeMs].join(' ');
    if (st.isDirectory()) for (const name of readdirSync(path).sort()) walk(rel === '' ? name : `${rel}/${name}`);
  };
  walk('');
  return out;
}

/** What `promise` rejected with, checked to be a PipelineError of `code` whose message holds every fragment. */
export async function rejection(
  promise: Promise<unknown>,
  code: string,
  fragments: readonly string[],
): Promise<PipelineError> {
  const caught = await promise.then(
    () => new Error('the build succeeded; it should have failed'),
    (error: unknown) => error,
  );
  if (!(caught instanceof PipelineError)) throw caught instanceof Error ? caught : new Error(String(caught));
  if (caught.code !== code) throw new Error(`expected ${code}, got ${caught.code}: ${caught.message}`);
  for (const f of fragments) expect(caught.message).toContain(f);
  return caught;
}

export interface CleanFailureContext {
  /** Where each case makes its own parent directory. */
  work: string;
  /** A whole layout of an earlier good build: copied to the output first, it must stay as it was. */
  goodLayout: string;
}

/**
 * Runs `build(outDir)` twice, each time in a parent directory of its own: into a new output
 * (which must not exist afterwards) and into a copy of a good layout (which must be unchanged,
 * entry for entry). Both must fail with `code` and every fragment, and leave nothing else in the
 * parent (no `.<name>.tmp-*`, no `<name>.old-*`). Returns the first error.
 */
export async function expectCleanFailure(
  ctx: CleanFailureContext,
  build: (outDir: string) => Promise<unknown>,
  code: string,
  fragments: readonly string[],
): Promise<PipelineError> {
  const fresh = mkdtempSync(join(ctx.work, 'case-'));
  const error = await rejection(build(join(fresh, 'image')), code, fragments);
  expect(existsSync(join(fresh, 'image'))).toBe(false);
  expect(readdirSync(fresh)).toEqual([]);

  const over = mkdtempSync(join(ctx.work, 'case-'));
  cpSync(ctx.goodLayout, join(over, 'image'), { recursive: true, preserveTimestamps: true });
  const before = snapshotDir(join(over, 'image'));
  await rejection(build(join(over, 'image')), code, fragments);
  expect(snapshotDir(join(over, 'image'))).toEqual(before);
  expect(readdirSync(over)).toEqual(['image']);
  return error;
}
