import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { JOBS, JOB_NAMES, SERVICE_NAMES, type JobName, type ServiceName } from '@patch-factory/contracts';
import {
  FACTORY_SERVICES,
  NOT_YET_IMPLEMENTED_STAGES,
  STAGE_EXECUTORS,
  jobsRunBy,
  serviceSpecOf,
  stagesRunBy,
  type FactoryServiceName,
} from '@patch-factory/factory';
import {
  JOB_OPTIONS,
  NotImplementedExecutor,
  RUN_ENTRY,
  RUN_STAGES,
  STAGE_JOB,
  STAGE_OWNER,
  TRANSITIONS,
  type RunStage,
} from '@patch-factory/pipeline';

/**
 * docs/pipeline.md is checked against the code, so that it cannot drift: the stage table
 * against TRANSITIONS, STAGE_JOB, the job catalog (JOBS), STAGE_OWNER, the executor registry
 * STAGE_EXECUTORS and the service registry FACTORY_SERVICES (libs/factory), which each
 * services/<name>/src/main.ts boots by name; its artifact columns against a static scan of the executors' sources;
 * the job table against JOBS, JOB_OPTIONS and the @OnJob handlers; the flows against JOBS and
 * the GitHub webhook controller. No Redis, no network: files and constants only.
 */

const ROOT = resolve(__dirname, '../../..');
const DOC = join(ROOT, 'docs/pipeline.md');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

// ---------------------------------------------------------------------------------------------
// The document

/** The rows of the first table under the `## <heading>` section, each as its cells. */
function tableUnder(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) throw new Error(`docs/pipeline.md has no section "## ${heading}"`);
  const rows: string[][] = [];
  let inTable = false;
  for (let i = start + 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line.startsWith('## ')) break;
    if (line.startsWith('|')) {
      inTable = true;
      rows.push(splitRow(line));
    } else if (inTable) break;
  }
  if (rows.length < 3) throw new Error(`the section "## ${heading}" of docs/pipeline.md has no table`);
  // Header and separator line.
  return rows.slice(2);
}

/** The cells of a table row; a `|` inside backticks (none is expected) is not supported. */
function splitRow(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

/** The `code` spans of a cell, in order. */
function codes(cell: string | undefined): string[] {
  return [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
}

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

// ---------------------------------------------------------------------------------------------
// The code, read statically

interface SourceFile {
  lib: string;
  path: string;
  text: string;
}

const LIBS = readdirSync(join(ROOT, 'libs')).filter((l) => existsSync(join(ROOT, 'libs', l, 'src')));

function libSources(lib: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.test.ts'))
        out.push({ lib, path: rel, text: read(rel) });
    }
  };
  walk(`libs/${lib}/src`);
  return out;
}

const SOURCES: SourceFile[] = LIBS.flatMap(libSources);

/** The file that declares `export class <name>`. */
function classFile(name: string): SourceFile {
  const found = SOURCES.filter((f) => new RegExp(`export class ${name}\\b`).test(f.text));
  if (found.length !== 1)
    throw new Error(`class ${name} is declared in ${found.length} files: ${found.map((f) => f.path).join(', ')}`);
  return found[0] as SourceFile;
}

/** The top-level declarations of a file (functions, classes, constants), by name: each one's text. */
function declarations(file: SourceFile): Map<string, string> {
  const lines = file.text.split('\n');
  const out = new Map<string, string>();
  lines.forEach((line, i) => {
    const m = /^(?:export )?(?:async )?(?:function|class|const|let) (\w+)/.exec(line);
    if (!m) return;
    let end = i;
    // Prettier's layout: a declaration ends on its own line with `;`, or at the first line that closes at
    // column 0: `}…`, or a lone `]`/`)` (`): Promise<T> {`, a signature's last line, does not close it).
    if (!/;\s*$/.test(line)) while (end + 1 < lines.length && !/^(\}|[\])];?\s*$)/.test(lines[end] ?? '')) end++;
    out.set(m[1] as string, lines.slice(i, end + 1).join('\n'));
  });
  return out;
}

/** The names a file imports from files of its own library (relative imports), with the file each comes from. */
function localImports(file: SourceFile): Map<string, SourceFile> {
  const out = new Map<string, SourceFile>();
  for (const m of file.text.matchAll(/import (?:type )?\{([^}]*)\} from '(\.{1,2}\/[^']+)'/g)) {
    const base = join(dirname(file.path), m[2] as string);
    const from = SOURCES.find((s) => s.path === `${base}.ts` || s.path === `${base}/index.ts`);
    if (!from) continue;
    for (const n of (m[1] as string)
      .split(',')
      .map(
        (x) =>
          x
            .trim()
            .replace(/^type /, '')
            .split(/\s+as\s+/)[0] as string,
      )
      .filter(Boolean))
      out.set(n, from);
  }
  return out;
}

/**
 * The texts `name` of `file` runs: its declaration, and those of the names it mentions, in its
 * own file or imported from its library's files, transitively (a cross-library call is not followed).
 */
function reachableTexts(file: SourceFile, name: string, seen = new Set<string>()): string[] {
  const id = `${file.path}#${name}`;
  if (seen.has(id)) return [];
  seen.add(id);
  const own = declarations(file);
  const body = own.get(name);
  if (body === undefined) return [];
  const out = [body];
  const mentions = (n: string): boolean => n !== name && new RegExp(`\\b${n}\\b`).test(body);
  for (const n of own.keys()) if (mentions(n)) out.push(...reachableTexts(file, n, seen));
  for (const [n, from] of localImports(file)) if (mentions(n)) out.push(...reachableTexts(from, n, seen));
  return out;
}

const KEY = '[a-z][a-z0-9-]*(?:\\.[a-z0-9-]+)+';
const Q = `['"]`;

/** Keys of object literals (`'k':`, no space before the colon, so no ternary) and of `artifacts['k'] =` assignments. */
function writtenKeys(text: string): string[] {
  const keys = [...text.matchAll(new RegExp(`${Q}(${KEY})${Q}:`, 'g'))].map((m) => m[1] as string);
  const assigned = [...text.matchAll(new RegExp(`artifacts\\[${Q}(${KEY})${Q}\\]\\s*=(?!=)`, 'g'))].map(
    (m) => m[1] as string,
  );
  return [...keys, ...assigned];
}

/**
 * What a stage's executor records: the artifact keys written in the code its class reaches in
 * its library (see reachableTexts), and those of the constants of its library it spreads in
 * (`...MANUAL_RUN`).
 */
function artifactsWritten(file: SourceFile, className: string): string[] {
  return sorted(reachableTexts(file, className).flatMap((text) => keysWithSpreads(file.lib, text)));
}

function keysWithSpreads(lib: string, text: string): string[] {
  const keys = writtenKeys(text);
  for (const m of text.matchAll(/\.\.\.([A-Z][A-Z0-9_]+)\b/g)) {
    const name = m[1] as string;
    const def = SOURCES.filter((s) => s.lib === lib)
      .map((s) => new RegExp(`export const ${name}(?::[^=]+)? = (\\{[^;]*\\})`).exec(s.text)?.[1])
      .find((d) => d !== undefined);
    // A constant of another library (DEFAULT_AUTO_MERGE_POLICY) is not followed, as calls into other libraries are not.
    if (def !== undefined) keys.push(...writtenKeys(def));
  }
  return keys;
}

/** What a stage's executor reads from earlier stages: the stageArtifact*(run, '<stage>', '<key>') calls of the code its class reaches in its library. */
function artifactsRead(file: SourceFile, className: string): string[] {
  const reads = reachableTexts(file, className).flatMap((text) =>
    [...text.matchAll(/stageArtifact(?:File|Files)?\(\s*[\w.]+\s*,\s*'([a-z]+)'\s*,\s*'([^']+)'/g)].map((m) =>
      artifactLabel(m[1] as string, m[2] as string),
    ),
  );
  return sorted(reads);
}

/** How the document names an artifact of a stage: its key when the key starts with `<stage>.`, else `<stage>:<key>`. */
function artifactLabel(stage: string, key: string): string {
  return key.startsWith(`${stage}.`) ? key : `${stage}:${key}`;
}

/** The stages a service runs with their executors, and the jobs it handles: what bootService('<service>') starts (libs/factory). */
interface ServiceWiring {
  stages: RunStage[];
  jobs: JobName[];
  /** Executor class names by stage, as the service binds them. */
  executors: Partial<Record<RunStage, string>>;
}

function serviceWiring(service: string): ServiceWiring {
  const text = read(`services/${service}/src/main.ts`);
  // A service's main is its name and nothing else: the wiring is the registry's.
  const code = text
    .replace(/\/\*\*[\s\S]*?\*\//g, '')
    .replace(/\n{2,}/g, '\n\n')
    .trim();
  expect({ service, main: code }).toEqual({
    service,
    main: `import { bootService } from '@patch-factory/factory';\n\nvoid bootService('${service}');`,
  });
  const spec = serviceSpecOf(service);
  expect({ service, stages: spec.pipeline.stages }).toEqual({
    service,
    stages: stagesRunBy(service as FactoryServiceName),
  });
  const executors: Partial<Record<RunStage, string>> = {};
  for (const [stage, binding] of Object.entries(spec.pipeline.executors ?? {}))
    executors[stage as RunStage] = (binding as { name: string }).name;
  return { stages: [...spec.pipeline.stages], jobs: [...jobsRunBy(service as FactoryServiceName)], executors };
}

const SERVICES_WITH_MAIN = SERVICE_NAMES.filter((s) => existsSync(join(ROOT, 'services', s, 'src/main.ts')));

/** The executor a stage runs with: the class STAGE_EXECUTORS binds it to (NotImplementedExecutor for a stage not implemented yet). */
function executorOf(stage: RunStage): { name: string } {
  const binding = STAGE_EXECUTORS[stage] as { name: string };
  return { name: binding.name };
}

/** The class whose method carries `@OnJob('<job>')`, or undefined. */
function handlerOf(job: string): string | undefined {
  for (const f of SOURCES) {
    const at = f.text.indexOf(`@OnJob('${job}')`);
    if (at < 0) continue;
    const classes = [...f.text.slice(0, at).matchAll(/export class (\w+)/g)];
    return classes[classes.length - 1]?.[1];
  }
  return undefined;
}

/** `1 s`, `10 s`, `2 min`: how the document writes a duration. */
function duration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

// ---------------------------------------------------------------------------------------------

describe('docs/pipeline.md and docs/architecture.md are the factory of the code', () => {
  const doc = readFileSync(DOC, 'utf8');
  const stageRows = tableUnder(doc, 'Stages');

  it('has one row per stage of a run, in the order of TRANSITIONS, after watch', () => {
    const stages = stageRows.map((r) => codes(r[0])[0]);
    expect(stages).toEqual([...RUN_STAGES]);
    expect(TRANSITIONS.watch).toBe(RUN_ENTRY);
    stages.forEach((s, i) => expect(TRANSITIONS[s as RunStage]).toBe(stages[i + 1] ?? null));
  });

  it.each(RUN_STAGES.map((s) => [s]))('%s: job, queue, owning service and executor are those of the code', (stage) => {
    const row = stageRows.find((r) => codes(r[0])[0] === stage);
    if (!row) throw new Error(`no row for stage ${stage}`);
    const [, job, queue, owner, executor] = row;
    expect(codes(job)).toEqual([STAGE_JOB[stage]]);
    expect(codes(queue)).toEqual([JOBS[STAGE_JOB[stage]].queue]);
    expect(codes(owner)).toEqual([STAGE_OWNER[stage]]);
    const exec = executorOf(stage);
    const [name, lib] = codes(executor);
    expect(name).toBe(exec.name);
    expect(lib).toBe(`libs/${classFile(exec.name).lib}`);
    // The owning service runs the stage, with that executor (NotImplementedExecutor only for a stage declared not yet implemented).
    const wiring = serviceWiring(STAGE_OWNER[stage]);
    expect(wiring.stages).toContain(stage);
    expect(wiring.executors[stage]).toBe(exec.name);
    expect(exec.name === NotImplementedExecutor.name).toBe(NOT_YET_IMPLEMENTED_STAGES.includes(stage));
  });

  it.each(RUN_STAGES.map((s) => [s]))(
    '%s: the artifacts read and written are those its executor reads and records',
    (stage) => {
      const row = stageRows.find((r) => codes(r[0])[0] === stage) as string[];
      const exec = executorOf(stage);
      const file = classFile(exec.name);
      expect({ stage, read: sorted(codes(row[5])) }).toEqual({ stage, read: artifactsRead(file, exec.name) });
      expect({ stage, written: sorted(codes(row[6])) }).toEqual({ stage, written: artifactsWritten(file, exec.name) });
    },
  );

  it('each stage runs in its owner (and the all-in-one) and in no other service', () => {
    for (const service of SERVICES_WITH_MAIN) {
      const expected =
        service === 'all-in-one' ? [...RUN_STAGES] : RUN_STAGES.filter((s) => STAGE_OWNER[s] === service);
      expect({ service, stages: serviceWiring(service).stages }).toEqual({ service, stages: expected });
    }
  });

  it('has one row per job of the catalog, with its queue, handler, services and job options', () => {
    const rows = tableUnder(doc, 'Jobs');
    expect(sorted(rows.map((r) => codes(r[0])[0] as string))).toEqual(sorted(JOB_NAMES));
    expect(rows).toHaveLength(JOB_NAMES.length);
    for (const row of rows) {
      const job = codes(row[0])[0] as JobName;
      const [, queue, handler, services, attempts, backoff, lock] = row;
      const policy = JOB_OPTIONS[job];
      const isStage = (Object.values(STAGE_JOB) as string[]).includes(job);
      expect({ job, queue: codes(queue) }).toEqual({ job, queue: [JOBS[job].queue] });
      expect({ job, handler: codes(handler) }).toEqual({
        job,
        handler: isStage ? ['StageRunner'] : handlerOf(job) ? [handlerOf(job)] : [],
      });
      const runBy = SERVICES_WITH_MAIN.filter((s) => {
        const w = serviceWiring(s);
        return w.jobs.includes(job) || w.stages.some((st) => STAGE_JOB[st] === job);
      });
      expect({ job, services: sorted(codes(services)) }).toEqual({ job, services: sorted(runBy) });
      expect({ job, attempts: attempts?.trim() }).toEqual({ job, attempts: String(policy.attempts) });
      expect({ job, backoff: backoff?.trim() }).toEqual({
        job,
        backoff: `${policy.backoff.type} from ${duration(policy.backoff.delayMs)}`,
      });
      expect({ job, lock: lock?.trim() }).toEqual({ job, lock: duration(policy.lockDurationMs) });
    }
  });

  it('names in its flows only jobs of the catalog, each on its own queue, and every job outside the stage table', () => {
    const rows = tableUnder(doc, 'Flows outside the stage table');
    const pairs = rows.flatMap((r) =>
      [...r.join(' ').matchAll(/`([a-z][a-z.-]+)` on `(\{[a-z-]+\})`/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    for (const [job, queue] of pairs) expect({ job, queue }).toEqual({ job, queue: JOBS[job as JobName]?.queue });
    const stageJobs = Object.values(STAGE_JOB) as string[];
    expect(sorted(pairs.map(([j]) => j as string).filter((j) => !stageJobs.includes(j)))).toEqual(
      sorted(JOB_NAMES.filter((j) => !stageJobs.includes(j))),
    );
    // The merge webhook records on the review stage the artifacts the controller passes to resume().
    const webhook = rows.find((r) => /merge webhook/i.test(r[0] ?? ''));
    if (!webhook) throw new Error('no "merge webhook" row in the flows');
    const controller = read('libs/api/src/github/github-webhook.controller.ts');
    expect(controller).toMatch(/this\.runner\.resume\(runId, 'review', artifacts\)/);
    expect(sorted(codes(webhook[4]))).toEqual(
      artifactsWritten(classFile('GithubWebhookController'), 'GithubWebhookController'),
    );
  });

  it('docs/architecture.md names every library, and every service with the stages and jobs its main.ts runs', () => {
    const arch = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    for (const lib of LIBS) expect({ lib, named: arch.includes(`libs/${lib}`) }).toEqual({ lib, named: true });
    const rows = tableUnder(arch, 'The services');
    expect(sorted(rows.map((r) => codes(r[0])[0] as string))).toEqual(sorted(SERVICES_WITH_MAIN));
    for (const row of rows) {
      const service = codes(row[0])[0] as string;
      if (service === 'all-in-one') continue;
      const named = codes(row[1]);
      const wiring = serviceWiring(service);
      expect({ service, stages: named.filter((c) => (RUN_STAGES as readonly string[]).includes(c)) }).toEqual({
        service,
        stages: wiring.stages,
      });
      expect({ service, jobs: sorted(named.filter((c) => (JOB_NAMES as string[]).includes(c))) }).toEqual({
        service,
        jobs: sorted(wiring.jobs),
      });
    }
  });

  it('docs/architecture.md lists each library under the role:* tag of its project.json', () => {
    const arch = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const documented = new Map<string, string>();
    for (const row of tableUnder(arch, 'The libraries')) {
      const role = codes(row[0])[0] as string;
      for (const lib of (row[1] ?? '')
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean))
        documented.set(lib, role);
    }
    for (const lib of LIBS) {
      const tags = (JSON.parse(read(`libs/${lib}/project.json`)) as { tags: string[] }).tags.filter((t) =>
        t.startsWith('role:'),
      );
      expect({ lib, roles: tags }).toEqual({ lib, roles: [documented.get(lib)] });
    }
    expect(sorted(documented.keys())).toEqual(sorted(LIBS));
  });

  it('has one executor registry (no stage library exports an executor map of its own) and a recipe for every service', () => {
    const maps = SOURCES.flatMap((f) =>
      [...f.text.matchAll(/export const ([A-Z_]*EXECUTORS)\b/g)].map((m) => `${f.path}#${m[1] as string}`),
    );
    expect(maps).toEqual(['libs/factory/src/stage-executors.registry.ts#STAGE_EXECUTORS']);
    expect(sorted(Object.keys(FACTORY_SERVICES))).toEqual(sorted(SERVICES_WITH_MAIN));
    const owners = new Set<ServiceName>(Object.values(STAGE_OWNER));
    for (const owner of owners) if (owner !== 'watcher') expect(SERVICES_WITH_MAIN).toContain(owner);
  });
});
