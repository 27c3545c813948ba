import { TerminalError } from '@patch-factory/contracts';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ForgeErrorCode } from '../forge-errors';
import type { PatchFile } from '../patch-change';
import type { GitRunner } from './git-runner';

/**
 * The tree of `baseSha` with `files` replaced, built with plumbing in a private index inside
 * the bare clone `gitDir` (hash-object without filters, update-index, write-tree): nothing is
 * checked out, so nothing in the catalog (links, attributes, filters) can act on the disk.
 * Refuses (TerminalError forge-unsafe-work-dir) to write below a file or link, or over a link,
 * submodule or folder.
 */
export async function writeTreeWith(
  git: GitRunner,
  gitDir: string,
  baseSha: string,
  files: PatchFile[],
): Promise<string> {
  const modes = await existingModes(git, gitDir, baseSha, files);
  const index = join(gitDir, `pf-index-${randomUUID()}`);
  const env = { GIT_DIR: gitDir, GIT_INDEX_FILE: index };
  try {
    await git.run(['read-tree', baseSha], { env });
    for (const f of files) {
      const blob = (await git.run(['hash-object', '-w', '--no-filters', '--stdin'], { input: f.content, env })).trim();
      // --verbose: git reports the entry, so the runner never waits out a silent process's grace period.
      await git.run(
        ['update-index', '--verbose', '--add', '--cacheinfo', `${modes.get(f.path) ?? '100644'},${blob},${f.path}`],
        { env },
      );
    }
    return (await git.run(['write-tree'], { env })).trim();
  } finally {
    rmSync(index, { force: true });
  }
}

/**
 * The mode of each target that exists (kept, so an executable stays executable). Every parent
 * of a target must be a folder (or absent) and every target a regular file (or absent).
 */
async function existingModes(
  git: GitRunner,
  gitDir: string,
  baseSha: string,
  files: PatchFile[],
): Promise<Map<string, string>> {
  const modes = new Map<string, string>();
  const env = { GIT_DIR: gitDir };
  const parents = new Set<string>();
  for (const f of files) {
    const segments = f.path.split('/');
    for (let i = 1; i < segments.length; i++) parents.add(segments.slice(0, i).join('/'));
  }
  const paths = [...parents];
  if (paths.length > 0) {
    const out = await git.run(['cat-file', '--batch-check'], {
      input: paths.map((p) => `${baseSha}:${p}\n`).join(''),
      env,
    });
    out
      .split('\n')
      .filter(Boolean)
      .forEach((line, i) => {
        if (!line.endsWith(' missing') && !/ tree \d+$/.test(line)) {
          throw new TerminalError(
            ForgeErrorCode.unsafeWorkDir,
            `the catalog holds a file or link at ${paths[i] ?? '?'} where a folder is expected: refusing to write below it`,
          );
        }
      });
  }
  const listed = await git.run(['ls-tree', '-z', '--full-tree', baseSha, '--', ...files.map((f) => f.path)], { env });
  for (const entry of listed.split('\u0000').filter(Boolean)) {
    const [meta, path] = entry.split('\t');
    const [mode] = (meta ?? '').split(' ');
    if (mode !== '100644' && mode !== '100755') {
      throw new TerminalError(
        ForgeErrorCode.unsafeWorkDir,
        `the catalog holds a link, submodule or folder at ${path ?? '?'} (mode ${mode ?? '?'}): refusing to overwrite it`,
      );
    }
    modes.set(path ?? '', mode);
  }
  return modes;
}
