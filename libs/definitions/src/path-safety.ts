import type { Definition } from './definition.schema';
import type { DefinitionError } from './definitions-errors';
import { formatKeyPath } from './key-path';
import { offsetOf } from './locate-node';
import type { YamlSource } from './yaml-source';

/**
 * Why a path of the image or of a build is unsafe, or undefined: it holds a `..` segment
 * (path traversal: a build step must never reach outside the image or the build it works
 * in), a NUL or a line break. Absolute paths, `${target.dir}/…` and paths relative to a
 * build's directory are fine.
 */
export function imagePathProblem(path: string): string | undefined {
  if (path.includes('\u0000') || path.includes('\n') || path.includes('\r'))
    return 'holds a NUL or line-break character';
  if (path.split(/[\\/]/).includes('..')) return 'holds a ".." segment (path traversal)';
  return undefined;
}

/**
 * The format allows any string where a definition names a path in the image; these checks
 * refuse traversal beyond it: `paths[].path` (of the image and of each build), each build's
 * `outputs[].source` and `outputs[].target`, and `files[].path`. A symbolic link's `source`
 * (its target) may be relative: it is resolved inside the image.
 */
export function definitionPathIssues(def: Definition, source: YamlSource, file: string): DefinitionError[] {
  const found: { path: (string | number)[]; value: string }[] = [];
  const add = (path: (string | number)[], value: unknown) => {
    if (typeof value === 'string') found.push({ path, value });
  };
  def.paths?.forEach((p, i) => add(['paths', i, 'path'], p.path));
  def.contents?.files?.forEach((f, i) => add(['contents', 'files', i, 'path'], (f as { path?: unknown }).path));
  def.contents?.builds?.forEach((b, i) => {
    b.paths?.forEach((p, j) => add(['contents', 'builds', i, 'paths', j, 'path'], p.path));
    b.outputs?.forEach((o, j) => {
      add(['contents', 'builds', i, 'outputs', j, 'source'], o.source);
      add(['contents', 'builds', i, 'outputs', j, 'target'], o.target);
    });
    b.contents?.files?.forEach((f, j) =>
      add(['contents', 'builds', i, 'contents', 'files', j, 'path'], (f as { path?: unknown }).path),
    );
  });
  const errors: DefinitionError[] = [];
  for (const { path, value } of found) {
    const problem = imagePathProblem(value);
    if (!problem) continue;
    const { line, col } = source.lineCounter.linePos(offsetOf(source, path));
    errors.push({
      code: 'unsafe-path',
      file,
      line,
      column: col,
      path: formatKeyPath(path),
      message: `the path ${JSON.stringify(value.slice(0, 120))} ${problem}`,
    });
  }
  return errors;
}
