import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (the folder with nx.json), from source or from dist/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 10; i++) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`testing: no nx.json above ${__dirname}`);
}
