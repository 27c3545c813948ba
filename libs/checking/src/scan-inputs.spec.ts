import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scan } from '@patch-factory/vuln';
import { loadAdvisories } from './advisories';
import { LastScanIndex } from './last-scan';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pf-checking-inputs-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadAdvisories (PF_ADVISORY_DIR)', () => {
  const pkg = { name: 'zlib1g', version: '1:1.2.13.dfsg-1', arch: 'amd64', source: 'zlib' };

  it('reads OSV and Debian tracker files of the directory; no directory is no advisory', async () => {
    writeFileSync(
      join(dir, 'a-osv.json'),
      JSON.stringify({
        vulns: [
          {
            id: 'CVE-2024-0010',
            modified: '2026-01-01T00:00:00Z',
            affected: [
              {
                package: { ecosystem: 'Debian:12', name: 'zlib' },
                ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:1.2.13.dfsg-2' }] }],
              },
            ],
          },
        ],
      }),
    );
    writeFileSync(
      join(dir, 'b-tracker.json'),
      JSON.stringify({ zlib: { 'CVE-2024-0011': { releases: { bookworm: { status: 'open', urgency: 'low' } } } } }),
    );
    writeFileSync(join(dir, 'notes.txt'), 'not read');
    const loaded = await loadAdvisories(dir);
    expect(loaded.files).toEqual(['a-osv.json', 'b-tracker.json']);
    expect(scan(loaded.db, [pkg], 'debian-12').map((f) => [f.id, f.fixable])).toEqual([
      ['CVE-2024-0010', true],
      ['CVE-2024-0011', false],
    ]);
    expect(scan((await loadAdvisories(undefined)).db, [pkg], 'debian-12')).toEqual([]);
  });

  it('fails with scan-advisories-invalid naming a file that is not JSON, or a missing directory', async () => {
    writeFileSync(join(dir, 'broken.json'), '{ "id": ');
    await expect(loadAdvisories(dir)).rejects.toMatchObject({
      code: 'scan-advisories-invalid',
      message: expect.stringContaining(`${join(dir, 'broken.json')}: is not JSON`) as unknown,
    });
    await expect(loadAdvisories(join(dir, 'absent'))).rejects.toMatchObject({
      code: 'scan-advisories-invalid',
      message: expect.stringContaining('cannot be read (ENOENT)') as unknown,
    });
  });
});

describe('LastScanIndex', () => {
  const report = (findings: unknown[]) => {
    const path = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify({ findings, platforms: [] }));
    return path;
  };

  it('gives an earlier run’s recorded report, never the run’s own nor a newer one', async () => {
    const index = new LastScanIndex(join(dir, 'out'));
    expect(await index.previous('image/a.yaml', 'run_02')).toBeUndefined();
    const first = report([{ id: 'CVE-1' }]);
    await index.record({ definition: 'image/a.yaml', runId: 'run_02', report: first });
    expect(await index.previous('image/a.yaml', 'run_03')).toMatchObject({
      runId: 'run_02',
      path: first,
      findings: [{ id: 'CVE-1' }],
    });
    expect(await index.previous('image/a.yaml', 'run_02')).toBeUndefined();
    expect(await index.previous('image/b.yaml', 'run_03')).toBeUndefined();
    // An older run recorded late does not replace the newer one.
    await index.record({ definition: 'image/a.yaml', runId: 'run_01', report: report([]) });
    expect((await index.previous('image/a.yaml', 'run_09'))?.runId).toBe('run_02');
    await index.record({ definition: 'image/a.yaml', runId: 'run_05', report: report([]) });
    expect((await index.previous('image/a.yaml', 'run_09'))?.runId).toBe('run_05');
  });

  it('treats a lost or unreadable report as no previous scan', async () => {
    const index = new LastScanIndex(join(dir, 'out'));
    await index.record({ definition: 'image/a.yaml', runId: 'run_02', report: join(dir, 'gone.json') });
    expect(await index.previous('image/a.yaml', 'run_03')).toBeUndefined();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"findings": 3}');
    await index.record({ definition: 'image/a.yaml', runId: 'run_04', report: bad });
    expect(await index.previous('image/a.yaml', 'run_05')).toBeUndefined();
  });
});
