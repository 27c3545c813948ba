import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The layering of the libraries (docs/architecture.md, "The libraries") is enforced by lint:
 * probe files that break it are written into real projects, linted with the repository's own
 * eslint.config.mjs through ESLint's API (in a child process: the config is an ES module with
 * top-level await, which jest's module system does not load), and the boundary errors are
 * asserted; files that keep to it get none. The probes sit in a `tmp/` folder, which the
 * workspace lint ignores (`npm run lint` run meanwhile does not see them; here `ignore: false`),
 * and are removed in `finally`.
 */

const ROOT = resolve(__dirname, '../../..');
const RULE = '@nx/enforce-module-boundaries';
const tag = `${process.pid}`;

interface Probe {
  /** Path from the repository root. */
  path: string;
  text: string;
}

interface LintMessage {
  ruleId: string | null;
  message: string;
}

const probe = (project: string, name: string, text: string): Probe => ({
  path: `${project}/src/tmp/layering-${name}-${tag}.ts`,
  text,
});

const PROBES = {
  stageImportsStage: probe(
    'libs/patching',
    'stage-imports-stage',
    "import { TestExecutor } from '@patch-factory/checking';\n\nexport const probe = TestExecutor;\n",
  ),
  capabilityImportsNest: probe(
    'libs/forge',
    'capability-imports-nest',
    "import { Injectable } from '@nestjs/common';\n\nexport const probe = Injectable;\n",
  ),
  capabilityImportsBullmq: probe(
    'libs/sources',
    'capability-imports-bullmq',
    "import { Queue } from 'bullmq';\n\nexport const probe = Queue;\n",
  ),
  capabilityImportsRuns: probe(
    'libs/oci',
    'capability-imports-runs',
    "import { RUN_STAGES } from '@patch-factory/pipeline';\n\nexport const probe = RUN_STAGES;\n",
  ),
  serviceImportsStage: probe(
    'services/builder',
    'service-imports-stage',
    "import { BuildExecutor } from '@patch-factory/build-stage';\n\nexport const probe = BuildExecutor;\n",
  ),
  // What the layering allows: a stage over capabilities, the stage base, the core and Nest; the
  // assembly over stages; a stage library's test composing another stage's real executors.
  stageOverCapabilities: probe(
    'libs/publishing',
    'stage-over-capabilities',
    "import { Injectable } from '@nestjs/common';\nimport { CatalogAccess } from '@patch-factory/catalog-access';\nimport { verifyImage } from '@patch-factory/signing';\nimport { RUN_STAGES } from '@patch-factory/pipeline';\n\nexport const probe = [Injectable, CatalogAccess, verifyImage, RUN_STAGES];\n",
  ),
  assemblyOverStages: probe(
    'libs/factory',
    'assembly-over-stages',
    "import { TestExecutor } from '@patch-factory/checking';\n\nexport const probe = TestExecutor;\n",
  ),
  stageTestComposesStages: {
    path: `libs/checking/src/tmp/layering-stage-test-${tag}.fixture.ts`,
    text: "import { BuildExecutor } from '@patch-factory/build-stage';\n\nexport const probe = BuildExecutor;\n",
  },
} satisfies Record<string, Probe>;

/** Lints `files` with the repository's configuration (ESLint class, ignore patterns off), by file. */
function lint(files: string[]): Promise<Map<string, LintMessage[]>> {
  const script = `
    const { ESLint } = require('eslint');
    const brief = (r) => ({ file: r.filePath, messages: r.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })) });
    new ESLint({ cwd: process.cwd(), ignore: false })
      .lintFiles(JSON.parse(process.argv[1]))
      .then((results) => process.stdout.write(JSON.stringify(results.map(brief))))
      .catch((error) => { process.stderr.write(String((error && error.stack) || error)); process.exit(2); });
  `;
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['-e', script, JSON.stringify(files)],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 280_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`eslint failed: ${error.message}\n${stderr.slice(0, 4000)}`));
        const results = JSON.parse(stdout) as { file: string; messages: LintMessage[] }[];
        resolvePromise(new Map(results.map((r) => [r.file.slice(ROOT.length + 1), r.messages])));
      },
    );
  });
}

describe('lint enforces the layering of the libraries (role:* tags, eslint.config.mjs)', () => {
  let found: Map<string, LintMessage[]>;
  const boundaryErrors = (p: Probe): string[] =>
    (found.get(p.path) ?? []).filter((m) => m.ruleId === RULE).map((m) => m.message);

  beforeAll(async () => {
    const written: string[] = [];
    try {
      for (const p of Object.values(PROBES)) {
        mkdirSync(dirname(join(ROOT, p.path)), { recursive: true });
        writeFileSync(join(ROOT, p.path), p.text);
        written.push(p.path);
      }
      found = await lint(written);
    } finally {
      for (const p of written) {
        rmSync(join(ROOT, p), { force: true });
        // The tmp/ folder, when the probe was alone in it.
        try {
          rmdirSync(dirname(join(ROOT, p)));
        } catch {
          // Not empty (someone else's file) or gone: leave it.
        }
      }
    }
  }, 300_000);

  it('linted every probe', () => {
    for (const p of Object.values(PROBES))
      expect({ probe: p.path, linted: found.has(p.path) }).toEqual({ probe: p.path, linted: true });
  });

  it('fails a stage library that imports another stage library', () => {
    expect(boundaryErrors(PROBES.stageImportsStage)).toEqual([
      expect.stringMatching(
        /A project tagged with "role:stage" can only depend on libs tagged with "role:core", "role:capability", "role:stage-base"/,
      ),
    ]);
  });

  it('fails a capability library that imports Nest or BullMQ', () => {
    expect(boundaryErrors(PROBES.capabilityImportsNest)).toEqual([
      expect.stringMatching(/A project tagged with "role:capability" is not allowed to import "@nestjs\/common"/),
    ]);
    expect(boundaryErrors(PROBES.capabilityImportsBullmq)).toEqual([
      expect.stringMatching(/A project tagged with "role:capability" is not allowed to import "bullmq"/),
    ]);
  });

  it('fails a capability library that imports the run machinery (libs/pipeline), although it is core', () => {
    expect(boundaryErrors(PROBES.capabilityImportsRuns)).toEqual([
      expect.stringMatching(
        /A project tagged with "role:capability" can only depend on libs tagged with .*scope:\(\?!pipeline\$\|queue\$\)/,
      ),
    ]);
  });

  it('fails a service that imports anything but the assembly (libs/factory)', () => {
    expect(boundaryErrors(PROBES.serviceImportsStage)).toEqual([
      expect.stringMatching(/A project tagged with "type:service" can only depend on libs tagged with "role:assembly"/),
    ]);
  });

  it('accepts what the layering allows: a stage over the core, capabilities, the stage base and Nest; the assembly over stages; a stage test composing stages', () => {
    expect(boundaryErrors(PROBES.stageOverCapabilities)).toEqual([]);
    expect(boundaryErrors(PROBES.assemblyOverStages)).toEqual([]);
    expect(boundaryErrors(PROBES.stageTestComposesStages)).toEqual([]);
  });
});
