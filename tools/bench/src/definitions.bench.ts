import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { parse } from 'yaml';
import {
  CATALOG_SCHEMAS,
  INFO_KEYS_THE_CATALOG_OMITS,
  listCatalogFiles,
  parseCatalogFile,
  readCatalogFile,
  type CatalogFileKind,
} from '@patch-factory/definitions';
import { repoRoot } from '@patch-factory/testing';
import { table } from './bench-util';

/**
 * `npm run bench:definitions`: validates the whole real catalog (../shared/corpus/dhi-catalog:
 * every definition and info.yaml) in one process with the project's parser and zod schemas
 * (parseCatalogFile: YAML document with node ranges, hostile-input checks, zod, positioned
 * errors), side by side with the baseline: the same bytes through `yaml.parse` + ajv
 * (spec.json, and info.spec.json with the same four metadata keys optional), compiled once.
 * Files are read into memory first, so both sides time parsing and validation only. After
 * BENCH_WARMUP rounds, each side runs BENCH_ROUNDS times in alternating order; files/s is from
 * the median round. Also shown: validation alone (zod vs ajv on the same parsed values).
 * Knobs (env): BENCH_ROUNDS (5), BENCH_WARMUP (1).
 * Exits 0 when the benchmark ran, non-zero on errors (e.g. the two sides disagree on a file).
 */

function intEnv(name: string, def: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name} must be an integer >= ${min} (got ${JSON.stringify(raw)})`);
  return n;
}

interface CorpusFile {
  kind: CatalogFileKind;
  path: string;
  bytes: Buffer;
}

function loadCorpus(dir: string): CorpusFile[] {
  return listCatalogFiles(dir).files.map((f) => {
    const read = readCatalogFile(f.readPath, f.path);
    if (!read.ok) throw new Error(`${f.path}: ${read.error.message}`);
    return { kind: f.kind, path: f.path, bytes: read.bytes };
  });
}

function ajvValidators(dir: string): Record<CatalogFileKind, ValidateFunction> {
  const spec = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
  const info = spec('info.spec.json');
  const metadata = (info['properties'] as Record<string, { required: string[] }>)['metadata'] as { required: string[] };
  metadata.required = metadata.required.filter((k) => !(INFO_KEYS_THE_CATALOG_OMITS as readonly string[]).includes(k));
  const ajv = new Ajv2020();
  return { definition: ajv.compile(spec('spec.json')), info: ajv.compile(info) };
}

/** One pass over every file; returns the verdict per file. */
type Side = (files: readonly CorpusFile[]) => boolean[];

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function timeRounds(
  sides: Record<string, Side>,
  files: readonly CorpusFile[],
  rounds: number,
  warmup: number,
): Record<string, number[]> {
  const names = Object.keys(sides);
  const ms: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const started = performance.now();
      (sides[name] as Side)(files);
      const took = performance.now() - started;
      if (round >= warmup) (ms[name] as number[]).push(took);
    }
  }
  return ms;
}

function main(): void {
  const rounds = intEnv('BENCH_ROUNDS', 5, 1);
  const warmup = intEnv('BENCH_WARMUP', 1, 0);
  const dir = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog');
  const files = loadCorpus(dir);
  const ajv = ajvValidators(dir);
  const definitions = files.filter((f) => f.kind === 'definition').length;
  process.stderr.write(
    `[bench] ${files.length} files (${definitions} definitions, ${files.length - definitions} info files), ${rounds} rounds after ${warmup} warm-up\n`,
  );

  const project: Side = (all) => all.map((f) => parseCatalogFile(f.kind, f.bytes, f.path).ok);
  const baseline: Side = (all) => all.map((f) => ajv[f.kind](parse(f.bytes.toString('utf8'))));
  const projectVerdicts = project(files);
  const baselineVerdicts = baseline(files);
  const differ = files.filter((_, i) => projectVerdicts[i] !== baselineVerdicts[i]).map((f) => f.path);
  if (differ.length)
    throw new Error(`the sides disagree on ${differ.length} files, e.g. ${differ.slice(0, 3).join(', ')}`);
  const valid = projectVerdicts.filter(Boolean).length;

  // Validation alone, on values parsed once.
  const values = files.map((f) => ({ kind: f.kind, value: parse(f.bytes.toString('utf8')) as unknown }));
  const zodOnly: Side = () => values.map((v) => CATALOG_SCHEMAS[v.kind].safeParse(v.value).success);
  const ajvOnly: Side = () => values.map((v) => ajv[v.kind](v.value));

  const full = timeRounds({ project, baseline }, files, rounds, warmup);
  const validation = timeRounds({ zod: zodOnly, ajv: ajvOnly }, files, rounds, warmup);
  const perSecond = (ms: readonly number[]) => files.length / (median(ms) / 1000);
  const row = (side: string, ms: readonly number[]) => [
    side,
    median(ms).toFixed(1),
    Math.min(...ms).toFixed(1),
    Math.round(perSecond(ms)).toLocaleString('en-US'),
  ];
  console.log(
    table(
      ['side', 'median ms', 'best ms', 'files/s'],
      [
        row('project: YAML document + checks + zod', full['project'] as number[]),
        row('baseline: yaml.parse + ajv', full['baseline'] as number[]),
        row('validation only: zod', validation['zod'] as number[]),
        row('validation only: ajv', validation['ajv'] as number[]),
      ],
    ),
  );
  const ratio = perSecond(full['project'] as number[]) / perSecond(full['baseline'] as number[]);
  const validationRatio = perSecond(validation['zod'] as number[]) / perSecond(validation['ajv'] as number[]);
  console.log(`\n${files.length} files, ${valid} valid on both sides; ${rounds} rounds (median)`);
  console.log(
    `ratio project/baseline: ${ratio.toFixed(2)}x files/s (validation alone, zod/ajv: ${validationRatio.toFixed(2)}x)`,
  );
}

main();
