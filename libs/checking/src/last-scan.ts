import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComparableReport } from './scan-report';

/** One entry of the last-scan index: the newest run whose scan of a definition passed its gates. */
export interface LastScanEntry {
  definition: string;
  runId: string;
  /** Its scan-report.json. */
  report: string;
}

/**
 * The last-scan index, a file per definition under `<outRoot>/last-scan/` (named by the
 * definition's sha256, holding {@link LastScanEntry}). It records the newest run (run ids are
 * ULIDs: time-ordered) whose scan PASSED the gates, so a finding a failed run saw stays new
 * until a run is let through with it. Lives beside the reports it points to (PF_BUILD_OUT_DIR),
 * so the index and the reports are kept or lost together.
 */
export class LastScanIndex {
  constructor(private readonly outRoot: string) {}

  private path(definition: string): string {
    return join(
      this.outRoot,
      'last-scan',
      `${createHash('sha256').update(definition).digest('hex').slice(0, 40)}.json`,
    );
  }

  private async entry(definition: string): Promise<LastScanEntry | undefined> {
    const text = await readFile(this.path(definition), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const e = JSON.parse(text) as Partial<LastScanEntry>;
      return e.definition === definition && typeof e.runId === 'string' && typeof e.report === 'string'
        ? (e as LastScanEntry)
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** The recorded report of an EARLIER run than `runId` (a retry of the same run does not compare with itself); undefined when none is readable. */
  async previous(
    definition: string,
    runId: string,
  ): Promise<(ComparableReport & { runId: string; path: string }) | undefined> {
    const e = await this.entry(definition);
    if (e === undefined || e.runId >= runId) return undefined;
    return readComparableReport(e.report, e.runId);
  }

  /** Records `runId`'s report unless a newer run is recorded already (written whole: temp file + rename). */
  async record(entry: LastScanEntry): Promise<void> {
    const current = await this.entry(entry.definition);
    if (current !== undefined && current.runId > entry.runId) return;
    const path = this.path(entry.definition);
    await mkdir(join(this.outRoot, 'last-scan'), { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, `${JSON.stringify(entry)}\n`);
    await rename(tmp, path);
  }
}

/** The findings and platforms of the scan report at `path` (of run `runId`); undefined when it cannot be read. */
export async function readComparableReport(
  path: string,
  runId: string,
): Promise<(ComparableReport & { runId: string; path: string }) | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Partial<ComparableReport>;
    if (!Array.isArray(r.findings) || !Array.isArray(r.platforms)) return undefined;
    return { findings: r.findings, platforms: r.platforms, runId, path };
  } catch {
    return undefined;
  }
}
