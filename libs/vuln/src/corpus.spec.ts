import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { loadOsvText } from './feeds/osv-ingest';
import type { Finding } from './match';
import { applyVex } from './vex/apply-vex';
import { parseOpenVexText, type VexDocument } from './vex/openvex-parse';
import { VulnDb } from './vuln-db';

const ADVISORIES = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-advisories');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : [],
    )
    .sort();
}

describe('the real advisories corpus (dhi-advisories)', () => {
  it('every OSV file parses: 693 records, 13 withdrawn, none indexed (ecosystem DHI, not a distro), no problem', () => {
    const db = new VulnDb();
    const totals = { files: 0, records: 0, indexed: 0, skipped: 0, rejected: 0 };
    for (const file of filesUnder(join(ADVISORIES, 'osv'))) {
      const load = loadOsvText(db, readFileSync(file, 'utf8'), relative(ADVISORIES, file));
      totals.files++;
      totals.records += load.records;
      totals.indexed += load.indexed;
      totals.skipped += load.skipped;
      totals.rejected += load.rejected;
    }
    expect(db.problems.map((p) => p.message)).toEqual([]);
    expect(totals).toEqual({ files: 693, records: 693, indexed: 0, skipped: 693, rejected: 0 });
  });

  it('every OpenVEX file parses: 107 documents, 6,705 statements, none invalid', () => {
    const docs: VexDocument[] = filesUnder(join(ADVISORIES, 'vex')).map((file) =>
      parseOpenVexText(readFileSync(file, 'utf8'), relative(ADVISORIES, file)),
    );
    const statements = docs.flatMap((d) => d.statements);
    expect({
      documents: docs.length,
      statements: statements.length,
      invalid: docs.flatMap((d) => d.invalid).map((e) => e.message),
    }).toEqual({ documents: 107, statements: 6705, invalid: [] });
    const byStatus: Record<string, number> = {};
    for (const s of statements) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
    expect(byStatus).toEqual({ not_affected: 6525, under_investigation: 170, affected: 10 });
  });

  it('a real statement suppresses a finding of its image (minio, lz4 CVE-2025-62813) and not of another image', () => {
    const doc = parseOpenVexText(
      readFileSync(join(ADVISORIES, 'vex', 'minio', 'dhi-minio.vex.json'), 'utf8'),
      'dhi-minio.vex.json',
    );
    const finding: Finding = {
      id: 'CVE-2025-62813',
      aliases: [],
      package: 'liblz4-1',
      installed: '1.10.0-4',
      arch: 'amd64',
      sourcePackage: 'lz4',
      sourceVersion: '1.10.0-4',
      fixable: false,
      severity: 'low',
      knownExploited: false,
      source: 'debian-tracker',
      sources: ['debian-tracker'],
    };
    const mine = applyVex([finding], [doc], { name: 'dhi/minio' });
    expect(mine.suppressed.map((s) => [s.vex.status, s.vex.justification])).toEqual([
      ['not_affected', 'vulnerable_code_cannot_be_controlled_by_adversary'],
    ]);
    // the statement also names the package without an image: a package product applies to any image
    expect(
      applyVex([{ ...finding, installed: '1.9.4-1', sourceVersion: '1.9.4-1' }], [doc], { name: 'dhi/nginx' })
        .suppressed,
    ).toHaveLength(1);
    expect(
      applyVex([{ ...finding, package: 'zstd', sourcePackage: 'zstd' }], [doc], { name: 'dhi/minio' }).findings,
    ).toHaveLength(1);
  });
});
