import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';

/** A path inside ../shared/corpus (beside the checkout); a clear error when it is missing. */
export function corpusPath(...parts: string[]): string {
  const path = join(repoRoot(), '..', 'shared', 'corpus', ...parts);
  if (!existsSync(path))
    throw new Error(`the corpus is not there: ${path} (benchmarks read ../shared/corpus beside the checkout)`);
  return path;
}
