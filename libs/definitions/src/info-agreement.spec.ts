import { stringify } from 'yaml';
import { listCatalogFiles } from './catalog-walk';
import { formatDefinitionError } from './definitions-errors';
import { INFO_KEYS_THE_CATALOG_OMITS } from './info-metadata.schema';
import { InfoSchema, StrictInfoSchema } from './info.schema';
import { parseInfo } from './parse-definition';
import { parseCatalogYaml } from './parse-yaml';
import { readCatalogFile } from './read-catalog-file';
import { ajvFor, CATALOG_DIR, readSpec, relaxedInfoSpec } from './corpus.fixture';
import { mutateDocument, Rng, type Json } from './json-mutations.fixture';

/**
 * The info.yaml schemas against info.spec.json (run by ajv). The published schema requires four
 * metadata keys that none of the 554 real info files has: StrictInfoSchema is the spec to the
 * letter (and refuses them all, as ajv does), InfoSchema makes those four optional (and
 * accepts them all, as ajv does with the same change made to the JSON schema).
 */

const infos = listCatalogFiles(CATALOG_DIR).files.filter((f) => f.kind === 'info');
const strictAjv = ajvFor(readSpec('info.spec.json'));
const relaxedAjv = ajvFor(relaxedInfoSpec());
const values = new Map<string, Json>();

beforeAll(() => {
  for (const file of infos) {
    const read = readCatalogFile(file.readPath, file.path);
    if (!read.ok) throw new Error(formatDefinitionError(read.error));
    const parsed = parseCatalogYaml(read.bytes, file.path);
    if (!parsed.ok) throw new Error(parsed.errors.map(formatDefinitionError).join('\n'));
    values.set(file.path, parsed.source.value as Json);
  }
});

describe('the real info files', () => {
  it('are one per image', () => {
    expect(infos).toHaveLength(554);
  });

  it('are all valid under InfoSchema and under ajv with the four keys not required', () => {
    const refused: string[] = [];
    for (const [file, value] of values) {
      const zod = InfoSchema.safeParse(value);
      if (!zod.success) refused.push(`zod ${file}: ${zod.error.message}`);
      if (!relaxedAjv(value)) refused.push(`ajv ${file}: ${JSON.stringify(relaxedAjv.errors)}`);
    }
    expect(refused).toEqual([]);
  });

  it('are all refused by info.spec.json as published, by zod and ajv alike, only for the four keys', () => {
    const missing = new Set<string>();
    for (const [file, value] of values) {
      expect([file, StrictInfoSchema.safeParse(value).success]).toEqual([file, false]);
      expect([file, strictAjv(value)]).toEqual([file, false]);
      for (const e of strictAjv.errors ?? [])
        missing.add(`${e.instancePath} ${e.keyword} ${String(e.params['missingProperty'])}`);
      const zodProblems =
        StrictInfoSchema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.code}`) ?? [];
      expect(new Set(zodProblems)).toEqual(
        new Set(INFO_KEYS_THE_CATALOG_OMITS.map((k) => `metadata.${k}: invalid_type`)),
      );
    }
    expect([...missing].sort()).toEqual(INFO_KEYS_THE_CATALOG_OMITS.map((k) => `/metadata required ${k}`).sort());
  });
});

describe('info files derived from real ones by seeded mutations', () => {
  const COUNT = 300;

  it(`get the same verdict from zod and ajv, strict and relaxed (${COUNT} documents), also through YAML text`, () => {
    const rng = new Rng(0x1f0cafe);
    const files = [...values.keys()];
    const disagreements: string[] = [];
    let invalid = 0;
    for (let i = 0; i < COUNT; i++) {
      const file = rng.pick(files);
      const { kind, doc } = mutateDocument(values.get(file) as Json, rng, i);
      const relaxed = relaxedAjv(doc);
      if (InfoSchema.safeParse(doc).success !== relaxed)
        disagreements.push(`${kind} of ${file}: InfoSchema vs ajv ${relaxed}`);
      if (StrictInfoSchema.safeParse(doc).success !== strictAjv(doc))
        disagreements.push(`${kind} of ${file}: StrictInfoSchema vs ajv`);
      if (!relaxed) invalid++;
      const parsed = parseInfo(stringify(doc), `mutated/${i}/info.yaml`);
      if (parsed.ok !== relaxed) disagreements.push(`${kind} of ${file} as YAML: parser ${parsed.ok}, ajv ${relaxed}`);
    }
    expect(disagreements).toEqual([]);
    expect(invalid).toBeGreaterThan(COUNT * 0.5);
    expect(invalid).toBeLessThan(COUNT);
  });
});
