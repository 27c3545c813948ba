import { readFile, writeFile } from 'node:fs/promises';
import {
  buildCtrfReport,
  imageRunConfig,
  runImageTests,
  runPolicyChecks,
  unpackImage,
  type ImageRunConfig,
  type ImageTestResult,
  type PolicyCheckResult,
} from '@patch-factory/imagetest';
import { formatDefinitionError, parseDefinition, type Definition } from '@patch-factory/definitions';
import { expectPositionals, quote, stringFlag } from './args';
import type { Command } from './command';
import { CommandError } from './command-error';
import { safeJson, safeText } from './terminal-text';

const NAME = 'test';
const MAX_DEFINITION = 4 * 1024 * 1024;

export const testCommand: Command = {
  name: NAME,
  synopsis: '<definition.yaml> <oci-layout> [--platform linux/amd64] [--tag <tag>] [--ctrf <file>|-]',
  summary: "run a definition's tests and the policy checks on a built image, locally (no API, no Docker engine)",
  help: [
    'Reads the image of the layout (the --tag of index.json, or its only image; the --platform of a',
    'multi-platform index, or its only one), checks every blob against its digest, unpacks its root',
    "into a temporary directory (removed afterwards) and runs the definition's tests: in a sandbox",
    "(bubblewrap, else chroot as root), without network, with the image config's Env, User and",
    'WorkingDir. Then the policy checks (no shell or package manager in a runtime image, no root',
    "user unless the definition's accounts say so, no setuid/setgid, nothing world-writable, no",
    'secrets). One line per test and check, "PASS|FAIL|SKIP  <name>  <message>", then a summary.',
    '--ctrf writes the CTRF JSON report to a file, or with "-" to stdout (the lines then go to stderr).',
    'Exit codes: 0 all passed, 1 a test or check failed (image-tests-failed) or the image could not be',
    'tested, 2 usage error.',
  ],
  flags: { platform: 'string', tag: 'string', ctrf: 'string' },
  async run(args, ctx) {
    const [file, dir] = expectPositionals(args, ['definition', 'oci-layout'], NAME) as [string, string];
    const platform = stringFlag(args, 'platform');
    const tag = stringFlag(args, 'tag');
    const ctrf = stringFlag(args, 'ctrf');
    const definition = await readDefinition(file);
    const start = Date.now();
    let tests: ImageTestResult[];
    let checks: PolicyCheckResult[];
    let digest: string;
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    try {
      let config: ImageRunConfig | undefined;
      const image = await unpackImage(
        dir,
        { ...(platform ? { platform } : {}), ...(tag ? { tag } : {}) },
        (layout, fs) => {
          config = imageRunConfig(layout.config, fs, dir);
          return config.user.gid;
        },
      );
      try {
        digest = image.layout.indexDigest;
        const run = config ?? imageRunConfig(image.layout.config, image.fs, dir);
        tests = await runImageTests(image.root, definition.tests ?? [], {
          env: run.env,
          user: run.user,
          workDir: run.workDir,
          signal: abort.signal,
        });
        if (abort.signal.aborted) throw new CommandError('shutdown', 'stopped by a signal');
        checks = await runPolicyChecks(image.root, {
          ...(definition.variant ? { variant: definition.variant } : {}),
          ...(definition.accounts ? { accounts: definition.accounts } : {}),
          user: run.configUser,
        });
      } finally {
        await image.remove();
      }
    } catch (error) {
      if (error instanceof CommandError) throw error;
      const code = (error as { code?: unknown }).code;
      throw new CommandError(typeof code === 'string' ? code : 'image-test-failed', safeText((error as Error).message));
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
    }
    const out = ctrf === '-' ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => ctx.print(line);
    for (const t of tests) out(resultLine(t.status, t.name, t.message));
    for (const c of checks) out(resultLine(c.status, `policy: ${c.id}`, c.message));
    const failedTests = tests.filter((t) => t.status === 'failed');
    const failedChecks = checks.filter((c) => c.status === 'failed');
    out(
      `${tests.length} tests: ${tests.length - failedTests.length} passed, ${failedTests.length} failed; ${checks.length} policy checks: ${count(checks, 'passed')} passed, ${failedChecks.length} failed, ${count(checks, 'skipped')} skipped`,
    );
    if (ctrf !== undefined) {
      const environment: Record<string, string> = {
        appName: definition.image ?? definition.name ?? file,
        imageDigest: digest,
        ...(tag ? { buildName: tag } : {}),
      };
      const report = safeJson(buildCtrfReport({ tests, checks, start, stop: Date.now(), environment }));
      if (ctrf === '-') ctx.print(report);
      else
        await writeFile(ctrf, `${report}\n`).catch((error: Error) => {
          throw new CommandError(
            'ctrf-unwritable',
            `cannot write the CTRF report to ${quote(ctrf)}: ${safeText(error.message)}`,
          );
        });
    }
    if (failedTests.length + failedChecks.length > 0) {
      const names = [
        ...failedTests.map((t) => `"${safeText(t.name, 100)}"`),
        ...failedChecks.map((c) => `policy: ${c.id}`),
      ];
      throw new CommandError(
        'image-tests-failed',
        `${failedTests.length} of ${tests.length} tests and ${failedChecks.length} of ${checks.length} policy checks failed: ${names.join(', ')}`,
      );
    }
  },
};

function resultLine(status: 'passed' | 'failed' | 'skipped', name: string, message: string): string {
  const word = status === 'passed' ? 'PASS' : status === 'failed' ? 'FAIL' : 'SKIP';
  return `${word}  ${safeText(name, 200)}  ${safeText(message)}`;
}

function count(checks: readonly PolicyCheckResult[], status: PolicyCheckResult['status']): number {
  return checks.filter((c) => c.status === status).length;
}

/** The definition, parsed; its problems go to stderr as `file:line:col: path: message`. */
async function readDefinition(file: string): Promise<Definition> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
    if (buf.length > MAX_DEFINITION) throw new Error(`it is larger than ${MAX_DEFINITION} bytes`);
  } catch (error) {
    throw new CommandError(
      'definition-unreadable',
      `cannot read ${quote(file)}: ${safeText((error as Error).message)}`,
    );
  }
  const parsed = parseDefinition(buf, file);
  if (parsed.ok) return parsed.value;
  for (const e of parsed.errors) process.stderr.write(`${safeText(formatDefinitionError(e))}\n`);
  const first = parsed.errors[0];
  const more = parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : '';
  throw new CommandError(
    'definition-invalid',
    `${first ? safeText(formatDefinitionError(first)) : `${quote(file)} is not a valid definition`}${more}`,
  );
}
