import { applyVex, scan, type VexDocument } from '@patch-factory/vuln';
import { UsageError, boolFlag, expectPositionals, stringFlag } from './args';
import type { Command } from './command';
import { CommandError } from './command-error';
import { scanImage } from './scan-image';
import { loadAdvisories, loadVex } from './scan-inputs';
import { scanLines, scanReport } from './scan-report';
import { safeJson, safeText } from './terminal-text';

const NAME = 'scan';
/** Warnings printed at most; the rest are counted. */
const MAX_WARNINGS = 200;

export const scanCommand: Command = {
  name: NAME,
  synopsis:
    '<oci-layout> --advisories <file-or-dir> [--vex <file-or-dir>] [--platform linux/amd64] [--tag <tag>] [--json]',
  summary:
    "list the known vulnerabilities of a built image's packages from local advisory files, with VEX applied (no API)",
  help: [
    'Reads the image of the layout (blobs checked), its installed packages from var/lib/dpkg/status and',
    'its distribution from os-release (debian-12). --advisories is a JSON file or a directory read',
    'recursively for *.json files: OSV records (one per file, an array, or {"vulns": [...]}) and the',
    'Debian security tracker export, told apart by shape. A package is matched by its source package',
    'and version. --vex (file or directory) holds OpenVEX documents; not_affected and fixed statements',
    'suppress findings. A file or record that cannot be read is a warning on stderr naming where it is;',
    'the rest loads. Output: the findings after VEX (ID, PACKAGE, INSTALLED, FIXED, SEVERITY), then',
    'the counts; --json prints {image, findings, suppressed, counts} instead.',
    'Exit codes: 0 scanned (with or without findings), 1 the image could not be read, 2 usage error.',
  ],
  flags: { advisories: 'string', vex: 'string', platform: 'string', tag: 'string', json: 'boolean' },
  async run(args, ctx) {
    const [dir] = expectPositionals(args, ['oci-layout'], NAME) as [string];
    const advisories = stringFlag(args, 'advisories');
    if (advisories === undefined)
      throw new UsageError(
        '--advisories <file-or-dir> is required: the OSV or Debian tracker JSON to match against',
        NAME,
      );
    const vex = stringFlag(args, 'vex');
    const platform = stringFlag(args, 'platform');
    const tag = stringFlag(args, 'tag');
    let warnings = 0;
    const warn = (message: string) => {
      if (++warnings <= MAX_WARNINGS) process.stderr.write(`warning: ${safeText(message)}\n`);
    };
    try {
      const image = await scanImage(dir, { ...(platform ? { platform } : {}), ...(tag ? { tag } : {}) });
      for (const s of image.skipped) warn(`${dir}: var/lib/dpkg/status paragraph ${s.stanza}: ${s.reason}`);
      const load = await loadAdvisories(advisories, warn);
      for (const p of load.db.problems) warn(`${p.message} (${p.code})`);
      if (load.db.problemCount > load.db.problems.length)
        warn(`${load.db.problemCount - load.db.problems.length} more advisory problems not shown`);
      const documents: VexDocument[] = vex === undefined ? [] : await loadVex(vex, warn);
      const findings = scan(load.db, image.packages, image.distro);
      const outcome = applyVex(
        findings,
        documents,
        image.name === undefined ? undefined : { name: image.name, digest: image.digest, distro: image.distro },
      );
      const report = scanReport(
        {
          digest: image.digest,
          platform: image.platform,
          manifestDigest: image.manifestDigest,
          distro: image.distro,
          ...(image.name === undefined ? {} : { name: image.name }),
        },
        outcome,
      );
      if (warnings > MAX_WARNINGS)
        process.stderr.write(`warning: ${warnings - MAX_WARNINGS} more warnings not shown\n`);
      if (boolFlag(args, 'json')) ctx.print(safeJson(report));
      else
        ctx.print(
          ...scanLines(report),
          `advisories: ${load.files} files (${load.osvFiles} OSV, ${load.trackerFiles} tracker), ${load.db.advisoryCount} advisories; ${image.packages.length} packages; ${documents.length} VEX documents`,
        );
    } catch (error) {
      if (error instanceof CommandError || error instanceof UsageError) throw error;
      const code = (error as { code?: unknown }).code;
      throw new CommandError(typeof code === 'string' ? code : 'scan-failed', safeText((error as Error).message));
    }
  },
};
