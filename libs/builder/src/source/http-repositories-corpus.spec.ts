import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRepositoryUrl } from '@patch-factory/debian';
import { listDefinitionFiles, parseDefinition } from '@patch-factory/definitions';
import { repoRoot } from '@patch-factory/testing';
import { parseRepositoryLine } from './repository-line';

/** The real catalog, read in place (../shared/corpus/dhi-catalog). */
const ROOT = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog');

interface DebLine {
  file: string;
  where: string;
  line: string;
}

/** Every `deb` line of `contents.repositories` and `contents.builds[].contents.repositories`. */
function debLines(): { definitions: number; lines: DebLine[] } {
  const files = listDefinitionFiles(ROOT);
  const lines: DebLine[] = [];
  for (const path of files) {
    const file = path.slice(ROOT.length + 1);
    const parsed = parseDefinition(readFileSync(path), file);
    if (!parsed.ok) throw new Error(`${file} does not parse: ${parsed.errors.map((e) => e.message).join('; ')}`);
    const contents = parsed.value.contents;
    const groups: [string, readonly string[] | undefined][] = [['contents.repositories', contents?.repositories]];
    for (const [j, build] of (contents?.builds ?? []).entries())
      groups.push([`contents.builds[${j}].contents.repositories`, build.contents?.repositories]);
    for (const [where, repositories] of groups) {
      for (const [i, line] of (repositories ?? []).entries()) {
        if (/^\s*deb\s/.test(line)) lines.push({ file, where: `${file}: ${where}[${i}]`, line });
      }
    }
  }
  return { definitions: files.length, lines };
}

describe('plain http APT repositories of the real catalog', () => {
  const { definitions, lines } = debLines();
  const http = lines.filter(({ line }) => /\shttp:\/\//.test(line));
  const httpFiles = new Set(http.map((l) => l.file));

  it('are 1,741 lines in 1,681 definitions, and every one passes the line parser and the URL check', () => {
    expect(definitions).toBeGreaterThan(2500);
    expect(httpFiles.size).toBe(1681);
    expect(http).toHaveLength(1741);
    // The 1,706: the catalog's own main repository line (33 definitions give it twice).
    expect(http.filter(({ line }) => line.includes('dhi-deb-main.gpg] http://'))).toHaveLength(1706);
    const refused: string[] = [];
    for (const { where, line } of http) {
      try {
        const parsed = parseRepositoryLine(line, where);
        expect(new URL(parsed.url).protocol).toBe('http:');
        checkRepositoryUrl(parsed.url);
      } catch (error) {
        refused.push(`${where}: ${(error as Error).message}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it("every http line names its keyring, except 21 lines of Debian's archive that rely on the operator's default keyring", () => {
    const unsigned = http.filter(({ line }) => parseRepositoryLine(line, '').signedBy === undefined);
    expect(http.length - unsigned.length).toBe(1720);
    expect(new Set(unsigned.map(({ line }) => line.replace(/\s+/g, ' ').trim()))).toEqual(
      new Set([
        'deb http://deb.mirror.invalid/debian trixie-backports main',
        'deb http://deb.mirror.invalid/debian trixie contrib',
      ]),
    );
  });

  it('no line of the catalog asks for trusted=yes or credentials (nothing legitimate is lost by refusing them)', () => {
    expect(lines.filter(({ line }) => /trusted=|allow-insecure|:\/\/[^/\s]*@/.test(line))).toEqual([]);
  });
});
