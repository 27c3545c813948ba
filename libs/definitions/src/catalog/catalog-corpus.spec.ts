import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { parseQuery } from './catalog-index';
import { listDefinitionFiles, loadCatalog } from './load-catalog';

const ROOT = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog');

describe('the catalog index over the real catalog (../shared/corpus/dhi-catalog)', () => {
  const catalog = loadCatalog(ROOT);
  const text = new Map(listDefinitionFiles(ROOT).map((p) => [p.slice(ROOT.length + 1), readFileSync(p, 'utf8')]));
  const files = (ref: string, below?: string) => catalog.index.affected(parseQuery(ref, below)).map((a) => a.file);
  /** The definitions whose raw text matches, found without the index: the independent answer. */
  const grep = (re: RegExp) =>
    [...text]
      .filter(([, t]) => re.test(t))
      .map(([f]) => f)
      .sort();

  it('indexes every definition file (image/<name>/<os>/<stream>.yaml) without an error', () => {
    expect(catalog.errors).toEqual([]);
    expect(catalog.index.definitions).toBe(text.size);
    expect(text.size).toBeGreaterThan(2500);
  });

  it('finds exactly the definitions that install a Debian package', () => {
    const found = files('pkg:deb/debian/openssl');
    expect(found.length).toBeGreaterThan(10);
    expect(found.every((f) => /\/debian-\d+\//.test(f))).toBe(true);
    const expected = grep(/^\s+- openssl(=\S+)?\s*$/m).filter((f) => /\/debian-\d+\//.test(f));
    expect(found).toEqual(expected);
  });

  it('finds exactly the definitions on a moving image tag, in variables, uses: and artifacts', () => {
    const found = files('dhi/golang:1-debian13-dev');
    expect(found.length).toBeGreaterThan(5);
    expect(found).toEqual(grep(/golang:1\.[0-9.]+-debian13-dev@sha256/));
    // A moving tag of another major covers none of them.
    expect(files('dhi/golang:2-debian13-dev')).toEqual([]);
  });

  it('finds exactly the definitions that fetch from a GitHub repository', () => {
    const found = files('projectcalico/calico');
    expect(found.length).toBeGreaterThan(5);
    expect(found).toEqual(grep(/github\.com\/projectcalico\/calico[/.#]/i));
  });
});
