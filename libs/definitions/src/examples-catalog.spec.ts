import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { listCatalogFiles } from './catalog-walk';
import { formatDefinitionError } from './definitions-errors';
import { INFO_KEYS_THE_CATALOG_OMITS } from './info-metadata.schema';
import { parseCatalogFile } from './parse-definition';
import { parseCatalogYaml } from './parse-yaml';
import { readCatalogFile } from './read-catalog-file';
import { ajvFor, readSpec, relaxedInfoSpec } from './corpus.fixture';

/**
 * The project's own catalog (examples/catalog) is checked as the real catalog is
 * (definition-agreement, info-agreement): every definition and info file passes the project's
 * validator (what `patch-factory definitions validate` runs), and ajv with the published
 * spec.json / info.spec.json (with the four metadata keys no catalog file has not required).
 */

const EXAMPLES = join(repoRoot(), 'examples', 'catalog');
const listing = listCatalogFiles(EXAMPLES);
const inside = (path: string) => path.slice(EXAMPLES.length + 1);

function valueOf(path: string, readPath: string): unknown {
  const read = readCatalogFile(readPath, path);
  if (!read.ok) throw new Error(formatDefinitionError(read.error));
  const parsed = parseCatalogYaml(read.bytes, path);
  if (!parsed.ok) throw new Error(parsed.errors.map(formatDefinitionError).join('\n'));
  return parsed.source.value;
}

describe('examples/catalog', () => {
  it('holds the definitions and info files of every example image, and nothing the walk skips', () => {
    expect(listing.skipped).toEqual([]);
    expect(listing.files.map((f) => `${f.kind} ${inside(f.path)}`)).toEqual([
      'definition image/busybox/debian-12/1.35-dev.yaml',
      'info image/busybox/info.yaml',
      'definition image/redis/debian-12/7.0-dev.yaml',
      'definition image/redis/debian-12/7.0.yaml',
      'info image/redis/info.yaml',
      'definition image/static/debian-12/static-dev.yaml',
      'definition image/static/debian-12/static.yaml',
      'info image/static/info.yaml',
    ]);
    // every image folder has its info file
    const images = readdirSync(join(EXAMPLES, 'image')).sort();
    expect(
      images.map((name) =>
        listing.files.some((f) => f.kind === 'info' && inside(f.path) === `image/${name}/info.yaml`),
      ),
    ).toEqual(images.map(() => true));
  });

  it('every file passes the project validator (definitions and info files)', () => {
    const problems = listing.files.flatMap((file) => {
      const read = readCatalogFile(file.readPath, file.path);
      if (!read.ok) return [formatDefinitionError(read.error)];
      const parsed = parseCatalogFile(file.kind, read.bytes, inside(file.path));
      return parsed.ok ? [] : parsed.errors.map(formatDefinitionError);
    });
    expect(problems).toEqual([]);
  });

  it('every definition is valid under ajv with the published spec.json', () => {
    const ajv = ajvFor(readSpec('spec.json'));
    const refused = listing.files
      .filter((f) => f.kind === 'definition')
      .filter((f) => !ajv(valueOf(f.path, f.readPath)))
      .map((f) => `${inside(f.path)}: ${JSON.stringify(ajv.errors)}`);
    expect(refused).toEqual([]);
  });

  it('every info file is valid under ajv with info.spec.json, refused as published only for the four keys no catalog file has', () => {
    const relaxed = ajvFor(relaxedInfoSpec());
    const strict = ajvFor(readSpec('info.spec.json'));
    const refused: string[] = [];
    for (const f of listing.files.filter((file) => file.kind === 'info')) {
      const value = valueOf(f.path, f.readPath);
      if (!relaxed(value)) refused.push(`${inside(f.path)}: ${JSON.stringify(relaxed.errors)}`);
      strict(value);
      const missing = (strict.errors ?? [])
        .map((e) => `${e.instancePath} ${e.keyword} ${String(e.params['missingProperty'])}`)
        .sort();
      expect([inside(f.path), missing]).toEqual([
        inside(f.path),
        INFO_KEYS_THE_CATALOG_OMITS.map((k) => `/metadata required ${k}`).sort(),
      ]);
    }
    expect(refused).toEqual([]);
  });
});
