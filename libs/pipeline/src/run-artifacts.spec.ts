import { TerminalError, type PipelineRun } from '@patch-factory/contracts';
import {
  hideRunPaths,
  hidingRunPaths,
  runDirectory,
  runFilePath,
  runRelativePath,
  stageArtifactFile,
  stageArtifactFiles,
} from './run-artifacts';

const dir = runDirectory('/srv/pf/out', 'r-1');

const runWith = (artifacts: Record<string, string>): PipelineRun => ({
  id: 'r-1',
  definition: 'image/x/debian-12/x.yaml',
  trigger: { kind: 'manual' },
  state: 'running',
  createdAt: 1,
  updatedAt: 1,
  stages: [{ stage: 'scan', status: 'succeeded', attempts: 1, artifacts }],
});

describe('run artifacts: files relative to the run directory (issue 14: no server path in a run)', () => {
  it('records a file the stage wrote as its path relative to the run directory', () => {
    expect(dir).toBe('/srv/pf/out/r-1');
    expect(runRelativePath(dir, '/srv/pf/out/r-1/image')).toBe('image');
    expect(runRelativePath(dir, '/srv/pf/out/r-1/sbom/linux-amd64.cdx.json')).toBe('sbom/linux-amd64.cdx.json');
    expect(runRelativePath(dir, 'signing/signed.json')).toBe('signing/signed.json');
  });

  it('refuses to record a file outside the run directory', () => {
    for (const outside of ['/srv/pf/out/r-2/image', '/etc/passwd', '/srv/pf/out/r-1', '/srv/pf/out/r-1x/a']) {
      expect(() => runRelativePath(dir, outside)).toThrow(TerminalError);
    }
  });

  it('resolves what a stage recorded against the run directory; absolute paths of older runs inside it still work', () => {
    expect(runFilePath(dir, 'image', 'build.layout')).toBe('/srv/pf/out/r-1/image');
    expect(runFilePath(dir, '/srv/pf/out/r-1/image', 'build.layout')).toBe('/srv/pf/out/r-1/image');
    const run = runWith({
      'scan.report': 'scan-report.json',
      'scan.sbom.cyclonedx': 'sbom/a.cdx.json,sbom/b.cdx.json',
    });
    expect(stageArtifactFile(run, 'scan', 'scan.report', dir)).toBe('/srv/pf/out/r-1/scan-report.json');
    expect(stageArtifactFile(run, 'scan', 'scan.vex', dir)).toBeUndefined();
    expect(stageArtifactFiles(run, 'scan', 'scan.sbom.cyclonedx', dir)).toEqual([
      '/srv/pf/out/r-1/sbom/a.cdx.json',
      '/srv/pf/out/r-1/sbom/b.cdx.json',
    ]);
  });

  it('refuses a recorded path that leaves the run directory, naming the stage and key but not the path', () => {
    for (const recorded of ['../r-2/image', '/etc/passwd', '../../../../etc/shadow', '.']) {
      const run = runWith({ 'scan.report': recorded });
      expect(() => stageArtifactFile(run, 'scan', 'scan.report', dir)).toThrow(
        'the scan.report of the scan stage names a file outside the run directory',
      );
    }
    expect(() =>
      stageArtifactFiles(runWith({ 'scan.sbom.spdx': 'sbom/a.spdx.json,../../x' }), 'scan', 'scan.sbom.spdx', dir),
    ).toThrow(TerminalError);
  });

  it("shows a stage error's paths relative to the run directory, keeping the error's class and code", async () => {
    expect(hideRunPaths('the scan report /srv/pf/out/r-1/scan-report.json does not exist', '/srv/pf/out', 'r-1')).toBe(
      'the scan report scan-report.json does not exist',
    );
    expect(
      hideRunPaths('cannot write /srv/pf/out/r-1 (baseline /srv/pf/out/r-0/scan-report.json)', '/srv/pf/out', 'r-1'),
    ).toBe('cannot write the run directory (baseline r-0/scan-report.json)');
    const error = await hidingRunPaths('/srv/pf/out', 'r-1', () =>
      Promise.reject(
        new TerminalError('publish-input-missing', 'the OpenVEX document /srv/pf/out/r-1/vex.json does not exist'),
      ),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({
      code: 'publish-input-missing',
      message: 'the OpenVEX document vex.json does not exist',
    });
    await expect(hidingRunPaths('/srv/pf/out', 'r-1', () => Promise.resolve(7))).resolves.toBe(7);
  });
});
