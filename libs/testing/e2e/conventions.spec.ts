import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

/**
 * The conventions of docs/architecture.md ("Conventions") that a file's name carries, checked
 * over the tree so that a newcomer's new file cannot drift from them:
 * - test helpers are `*.fixture.ts` (no `*.test.ts`), and only tests import them;
 * - a library's error codes live in its errors module: `<library>-errors.ts` at the root of its
 *   src/, or `<area>-errors.ts` in an area folder of a library that has several (libs/builder);
 *   the base classes are libs/contracts/src/errors.ts.
 */

const ROOT = resolve(__dirname, '../../..');
const SKIP = new Set(['node_modules', 'dist', 'tmp']);

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) ? [] : tsFiles(path);
    return e.name.endsWith('.ts') ? [relative(ROOT, path)] : [];
  });
}

const FILES = ['libs', 'services', 'tools'].flatMap((top) => tsFiles(join(ROOT, top)));
const isTestFile = (f: string): boolean => /\.(spec|fixture)\.ts$/.test(f);
const read = (f: string): string => readFileSync(join(ROOT, f), 'utf8');
/** The library (or service, tool) a file belongs to: `libs/<name>`. */
const projectOf = (f: string): string => f.split('/').slice(0, 2).join('/');

describe('file-name conventions (docs/architecture.md, "Conventions")', () => {
  it('the tree was read (a broken walk would pass every check below)', () => {
    expect(FILES.length).toBeGreaterThan(500);
    expect(FILES.filter((f) => f.endsWith('.fixture.ts')).length).toBeGreaterThan(20);
  });

  it('test helpers are named *.fixture.ts: no *.test.ts file is left', () => {
    expect(FILES.filter((f) => f.endsWith('.test.ts'))).toEqual([]);
  });

  it('only tests import a fixture (shipped code never depends on a test helper)', () => {
    const offenders = FILES.filter((f) => !isTestFile(f)).filter((f) => /from '[^']*\.fixture'/.test(read(f)));
    // libs/testing is itself test-only (lint: scope:testing only from tests and tools).
    expect(offenders.filter((f) => projectOf(f) !== 'libs/testing')).toEqual([]);
  });

  it('error codes are declared only in errors modules named <library>-errors.ts or <area>-errors.ts', () => {
    const declaring = FILES.filter((f) => !isTestFile(f)).filter((f) => /^export const \w*ErrorCode\b/m.test(read(f)));
    expect(declaring.length).toBeGreaterThan(20);
    const misnamed = declaring.filter((f) => {
      if (f === 'libs/contracts/src/errors.ts') return false;
      const name = basename(f, '.ts');
      const library = f.split('/')[1] as string;
      const atRoot = dirname(f) === `${projectOf(f)}/src`;
      return atRoot
        ? name !== `${library}-errors`
        : !name.endsWith('-errors') || name !== `${basename(dirname(f))}-errors`;
    });
    expect(misnamed).toEqual([]);
  });
});
