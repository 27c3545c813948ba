import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import {
  definitionDeps,
  listDefinitionFiles,
  loadCatalog,
  loadYamlData,
  parseQuery,
  type CatalogQuery,
  type DefinitionDeps,
} from '@patch-factory/definitions';
import { compareApkVersions } from '@patch-factory/alpine';
import { compareDebianVersions } from '@patch-factory/debian';
import { percentile, table } from './bench-util';
import { corpusPath } from './corpus-path';

/**
 * `npm run bench:catalog` (issue 3): builds the catalog index over the real catalog
 * (../shared/corpus/dhi-catalog: read, parse, index) and answers 1,000 "affected by"
 * queries (packages with and without a version bound, image references, GitHub
 * repositories, drawn from the catalog itself), side by side with the baseline: the same
 * questions answered by scanning every parsed definition's dependencies (no index).
 * Targets: build < 3 s, p99 per query < 5 ms. Knobs: BENCH_QUERIES (1000), BENCH_ROUNDS (3).
 */
const QUERIES = Number(process.env['BENCH_QUERIES'] ?? 1000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

function queriesFrom(all: readonly DefinitionDeps[], n: number): { ref: string; below?: string }[] {
  const pool: { ref: string; below?: string }[] = [];
  for (const d of all) {
    for (const p of d.packages.slice(0, 3)) {
      const distro = p.ecosystem === 'deb' ? 'debian' : 'alpine';
      pool.push({ ref: `pkg:${p.ecosystem}/${distro}/${p.name}` });
      if (p.version) pool.push({ ref: `pkg:${p.ecosystem}/${distro}/${p.name}`, below: p.version });
    }
    for (const i of d.images.slice(0, 2))
      if (i.ref.tag && !i.ref.host) pool.push({ ref: `${i.ref.path}:${i.ref.tag.replace(/^(\d+)[^-]*/, '$1')}` });
    for (const r of [...d.repositories].slice(0, 2)) pool.push({ ref: r });
  }
  // Deterministic spread over the pool.
  return Array.from({ length: n }, (_, i) => pool[(i * 7919) % pool.length] as { ref: string; below?: string });
}

/** The baseline: every definition's deps scanned for each query. */
function scan(all: readonly DefinitionDeps[], q: CatalogQuery): number {
  let hits = 0;
  for (const d of all) {
    if (q.kind === 'package') {
      const cmp = q.ecosystem === 'deb' ? compareDebianVersions : compareApkVersions;
      if (
        d.packages.some(
          (p) =>
            p.ecosystem === q.ecosystem &&
            p.name === q.name &&
            !p.excluded &&
            (!q.below || !p.version || safeLess(cmp, p.version, q.below)),
        )
      )
        hits++;
    } else if (q.kind === 'image') {
      if (d.images.some((i) => i.ref.path === q.path || `${i.ref.host?.split('.')[0]}/${i.ref.path}` === q.path))
        hits++;
    } else if (d.repositories.has(q.repository)) hits++;
  }
  return hits;
}

function safeLess(cmp: (a: string, b: string) => number, a: string, b: string): boolean {
  try {
    return cmp(a, b) < 0;
  } catch {
    return true;
  }
}

function timeQueries(run: (q: CatalogQuery) => unknown, queries: readonly CatalogQuery[]): number[] {
  return queries.map((q) => {
    const t = process.hrtime.bigint();
    run(q);
    return Number(process.hrtime.bigint() - t) / 1e6;
  });
}

function main(): void {
  const root = corpusPath('dhi-catalog');
  const rows: string[][] = [];
  let last: { index: number[]; scan: number[]; build: number } | undefined;
  for (let round = 1; round <= ROUNDS; round++) {
    const t0 = process.hrtime.bigint();
    const catalog = loadCatalog(root);
    const build = Number(process.hrtime.bigint() - t0) / 1e6;
    if (catalog.errors.length)
      throw new Error(`${catalog.errors.length} definitions did not load: ${catalog.errors[0]?.file}`);
    // The baseline has to read and parse too; its "build" is that alone (no index).
    const t1 = process.hrtime.bigint();
    const parsed = listDefinitionFiles(root).map((p) =>
      definitionDeps(relative(root, p), loadYamlData(readFileSync(p, 'utf8'))),
    );
    const parseOnly = Number(process.hrtime.bigint() - t1) / 1e6;
    const queries = queriesFrom(catalog.deps, QUERIES).map((q) => parseQuery(q.ref, q.below));
    const index = timeQueries((q) => catalog.index.affected(q), queries);
    const scanned = timeQueries((q) => scan(parsed, q), queries);
    rows.push([
      String(round),
      String(catalog.index.definitions),
      (build / 1000).toFixed(2),
      (parseOnly / 1000).toFixed(2),
      percentile(index, 50).toFixed(3),
      percentile(index, 99).toFixed(3),
      percentile(scanned, 50).toFixed(3),
      percentile(scanned, 99).toFixed(3),
    ]);
    last = { index, scan: scanned, build };
  }
  console.log(`catalog benchmark: ${root}, ${QUERIES} queries per round, node ${process.version}`);
  console.log(
    table(
      [
        'round',
        'definitions',
        'index build s',
        'parse only s',
        'index p50 ms',
        'index p99 ms',
        'scan p50 ms',
        'scan p99 ms',
      ],
      rows,
    ),
  );
  if (!last) return;
  const p99 = percentile(last.index, 99);
  const speedup = percentile(last.scan, 50) / Math.max(percentile(last.index, 50), 1e-6);
  console.log(`query p50 speed-up index/scan (last round): ${speedup.toFixed(0)}x`);
  console.log(
    `index build (last round): ${(last.build / 1000).toFixed(2)} s  (target < 3 s): ${last.build < 3000 ? 'PASS' : 'FAIL'}`,
  );
  console.log(`query p99 (last round): ${p99.toFixed(3)} ms  (target < 5 ms): ${p99 < 5 ? 'PASS' : 'FAIL'}`);
}

main();
