import { stringify } from 'yaml';
import { listCatalogFiles } from './catalog-walk';
import { formatDefinitionError } from './definitions-errors';
import { DefinitionSchema } from './definition.schema';
import { parseDefinition } from './parse-definition';
import { parseCatalogYaml } from './parse-yaml';
import { readCatalogFile } from './read-catalog-file';
import { ajvFor, CATALOG_DIR, readSpec } from './corpus.fixture';
import { MUTATIONS, mutateDocument, nodesOf, Rng, type Json } from './json-mutations.fixture';

/**
 * The zod schema against the published JSON schema (spec.json, run by ajv): the same verdict on
 * every real definition (all valid) and on hundreds of definitions derived from real ones by
 * seeded mutations (most invalid, some still valid).
 */

const listing = listCatalogFiles(CATALOG_DIR);
const definitions = listing.files.filter((f) => f.kind === 'definition');
const ajv = ajvFor(readSpec('spec.json'));
const values = new Map<string, Json>();

beforeAll(() => {
  for (const file of definitions) {
    const read = readCatalogFile(file.readPath, file.path);
    if (!read.ok) throw new Error(formatDefinitionError(read.error));
    const parsed = parseCatalogYaml(read.bytes, file.path);
    if (!parsed.ok) throw new Error(parsed.errors.map(formatDefinitionError).join('\n'));
    values.set(file.path, parsed.source.value as Json);
  }
});

describe('the real catalog', () => {
  it('has 2,582 definitions; its 4 other YAML files under image/ are not definitions', () => {
    // The corpus README counts 2,586: every *.yaml under image/ but info.yaml, which includes
    // four configuration files that images ship (not at image/<name>/<os>/<stream>.yaml).
    expect(definitions).toHaveLength(2582);
    const others = listing.skipped
      .filter((s) => s.reason === 'not-in-layout')
      .map((s) => s.path.slice(CATALOG_DIR.length + 1));
    expect(others).toEqual([
      'image/data-prepper/files/default-data-prepper-config.yaml',
      'image/data-prepper/files/default-pipelines.yaml',
      'image/influxdb/data/2/default-config.yaml',
      'image/tempo/config/tempo-v3.yaml',
    ]);
    for (const other of others) expect(ajv(parseAny(other))).toBe(false);
  });

  it('every definition is valid under the zod schema and under ajv with spec.json', () => {
    const refused: string[] = [];
    for (const [file, value] of values) {
      const zod = DefinitionSchema.safeParse(value);
      if (!zod.success) refused.push(`zod ${file}: ${zod.error.message}`);
      if (!ajv(value)) refused.push(`ajv ${file}: ${JSON.stringify(ajv.errors)}`);
    }
    expect(refused).toEqual([]);
    expect(values.size).toBe(definitions.length);
  });
});

/** Track entries of every form the spec has, some valid and some not (the corpus has none). */
const TRACK_SAMPLES: Json[] = [
  { type: 'github_release', owner: 'nginx', repo: 'nginx', set: 'VERSION' },
  {
    type: 'github_release',
    owner: 'o',
    repo: 'r',
    set: [{ var: 'V', value: 'tag', match: '^v(.*)$' }],
    use: 'tag',
    match: '^v',
  },
  { type: 'github_tag', owner: 'o', repo: 'r', match: '^v', set: 'VERSION' },
  { type: 'github_repository', owner: 'o', repo: 'r', branch: 'main', set: { COMMIT: 'commit' } },
  { type: 'alpine_package', package: 'pkg:apk/alpine/curl', set: 'CURL_VERSION' },
  { type: 'debian_package', package: 'pkg:deb/debian/curl', set: 'CURL_VERSION', match: '^8' },
  { type: 'var_increment' },
  { type: 'var_increment', set: 'REL' },
  { type: 'var_increment', reset: ['REL'] },
  { type: 'var_increment', set: 'REL', increment: ['BUILD'] },
  {
    type: 'oci_artifact',
    name: 'dhi/golang',
    match: '^1',
    set: [{ var: 'GO', value: 'reference', selection: 'exact' }],
  },
  { type: 'file', url: 'https://example.invalid/v.txt', set: { V: 'x' } },
  { type: 'json_file', url: 'https://example.invalid/v.json', set: {}, name: 'n' },
];

const TEST_SAMPLES: Json[] = [
  { name: 'version', commands: ['nginx -v'], 'exit-code': 0, timeout: 30, output: 'nginx' },
  { 'exit-code': 1 },
  { name: 'no exit code', commands: ['true'] },
];

/** A definition with a generated `track:` or `tests:` list, its entries perhaps mutated. */
function withEntries(doc: Json, key: 'track' | 'tests', samples: readonly Json[], rng: Rng): Json {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return doc;
  const entries = Array.from({ length: 1 + rng.int(3) }, () => {
    const entry = structuredClone(rng.pick(samples));
    if (rng.next() < 0.5) return entry;
    const kind = rng.pick(['delete-key', 'add-unknown-key', 'change-type', 'break-enum', 'move-subtree']);
    return (MUTATIONS[kind] as (typeof MUTATIONS)[string])(entry, rng)?.doc ?? entry;
  });
  return { ...doc, [key]: entries };
}

function hasInexactNumbers(doc: Json): boolean {
  return nodesOf(doc).some(
    (n) => typeof n.value === 'number' && Number.isInteger(n.value) && !Number.isSafeInteger(n.value),
  );
}

describe('definitions derived from real ones by seeded mutations', () => {
  const COUNT = 700;

  it(`get the same verdict from zod and ajv (${COUNT} documents), also through YAML text`, () => {
    const rng = new Rng(0x5eed2026);
    const files = [...values.keys()];
    const disagreements: string[] = [];
    const invalidByKind = new Map<string, number>();
    const validByKind = new Map<string, number>();
    let roundTrips = 0;
    let mutated = 0;
    for (let i = 0; i < COUNT; i++) {
      const file = rng.pick(files);
      const original = values.get(file) as Json;
      let kind: string;
      let doc: Json;
      if (i % 7 === 5) [kind, doc] = ['track', withEntries(original, 'track', TRACK_SAMPLES, rng)];
      else if (i % 7 === 6) [kind, doc] = ['tests', withEntries(original, 'tests', TEST_SAMPLES, rng)];
      else ({ kind, doc } = mutateDocument(original, rng, mutated++));
      const zodValid = DefinitionSchema.safeParse(doc).success;
      const ajvValid = ajv(doc);
      if (zodValid !== ajvValid)
        disagreements.push(`${kind} of ${file}: zod ${zodValid}, ajv ${ajvValid} (${JSON.stringify(ajv.errors)})`);
      const tally = ajvValid ? validByKind : invalidByKind;
      tally.set(kind, (tally.get(kind) ?? 0) + 1);

      // The same document as YAML text through the whole parser: same verdict, errors placed.
      if (hasInexactNumbers(doc)) continue;
      const text = stringify(doc);
      const parsed = parseDefinition(text, `mutated/${i}.yaml`);
      roundTrips++;
      if (parsed.ok !== ajvValid)
        disagreements.push(`${kind} of ${file} as YAML: parser ${parsed.ok}, ajv ${ajvValid}`);
      if (!parsed.ok) {
        const lines = text.split('\n').length;
        for (const e of parsed.errors) {
          if (e.line < 1 || e.line > lines || e.column < 1)
            disagreements.push(`${kind} of ${file}: error outside the text: ${formatDefinitionError(e)}`);
          if (!/^mutated\/\d+\.yaml:\d+:\d+: .+/.test(formatDefinitionError(e)))
            disagreements.push(`unexpected error line ${formatDefinitionError(e)}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    const invalid = [...invalidByKind.values()].reduce((a, b) => a + b, 0);
    expect(invalid).toBeGreaterThan(COUNT * 0.6);
    expect(invalid).toBeLessThan(COUNT);
    for (const kind of [...Object.keys(MUTATIONS), 'track', 'tests'])
      expect(invalidByKind.get(kind) ?? 0).toBeGreaterThan(0);
    expect(roundTrips).toBeGreaterThan(COUNT * 0.9);
  });

  it('agree that the document must be a mapping', () => {
    for (const doc of [null, [], 'name: x', 3, true, [{ name: 'x' }]]) {
      expect(DefinitionSchema.safeParse(doc).success).toBe(false);
      expect(ajv(doc)).toBe(false);
    }
    expect(DefinitionSchema.safeParse({}).success).toBe(true);
    expect(ajv({})).toBe(true);
  });
});

function parseAny(file: string): unknown {
  const read = readCatalogFile(`${CATALOG_DIR}/${file}`);
  if (!read.ok) throw new Error(read.error.message);
  const parsed = parseCatalogYaml(read.bytes, file);
  if (!parsed.ok) throw new Error(parsed.errors.map(formatDefinitionError).join('\n'));
  return parsed.source.value;
}
