import { PipelineError, RetryableError, TerminalError } from '@patch-factory/contracts';
import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { readTar, type TarEntry } from '@patch-factory/oci';
import { expectRejection } from '../expect-pipeline-error.fixture';
import { buildWithBuildah, buildahAvailable } from './buildah-build';
import { bashBaseContext, buildahProblem, processesMentioning, writeTree } from './buildah.fixture';
import type { BuildahBuildOptions } from './buildah-options';
import { mountsUnder } from './buildah-storage';

const run = promisify(execFile);
const EPOCH = 1_700_000_000;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'builder-buildah-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
const fresh = (name: string) => join(work, `${name}-${++n}`);

const HELLO = [
  '# syntax=docker/dockerfile:1',
  'FROM scratch',
  'ARG GREETING=hi',
  'COPY hello.txt /hello.txt',
  'LABEL org.opencontainers.image.title="hello" greeting=$GREETING',
  'ENV GREETING=$GREETING MODE=test',
  'ENTRYPOINT ["/hello", "--flag"]',
  '',
].join('\n');

/** One build with its own temporary directory (to check that it ends up empty). */
function build(over: Partial<BuildahBuildOptions> & { contextDir: string }) {
  const tempDir = fresh('tmp');
  mkdirSync(tempDir);
  const outDir = over.outDir ?? fresh('out');
  const logs: string[] = [];
  const opts: BuildahBuildOptions = {
    dockerfile: HELLO,
    outDir,
    sourceDateEpoch: EPOCH,
    tempDir,
    log: (line) => logs.push(line),
    ...over,
  };
  return { opts, tempDir, outDir, logs, result: () => buildWithBuildah(opts) };
}

const helloContext = () => writeTree(fresh('ctx'), { 'hello.txt': 'hello\n' });

/** The manifest digest, config and layers of the one image in an OCI layout. */
function readLayout(dir: string) {
  const blob = (digest: string) => readFileSync(join(dir, 'blobs', 'sha256', digest.replace(/^sha256:/, '')));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const digest = index.manifests[0]?.digest ?? '';
  const manifest = JSON.parse(blob(digest).toString('utf8')) as {
    config: { digest: string };
    layers: { digest: string; mediaType: string }[];
  };
  const layers = manifest.layers.map((layer) => readTar(gunzipSync(blob(layer.digest)), { what: layer.digest }));
  return { digest, manifest, layers };
}

const fileOf = (layer: TarEntry[] | undefined, path: string) => layer?.find((entry) => entry.path === path);

/** Nothing of a build stays: its temporary directory is empty, nothing mounted, no process. */
async function expectCleanedUp(tempDir: string, marker?: string) {
  expect(readdirSync(tempDir)).toEqual([]);
  expect(await mountsUnder(work)).toEqual([]);
  expect(processesMentioning(tempDir)).toEqual([]);
  if (marker) expect(processesMentioning(marker)).toEqual([]);
}

describe('buildWithBuildah (real buildah)', () => {
  // No skip: without a working buildah every test here fails with this message.
  beforeAll(() => {
    const problem = buildahProblem();
    if (problem) throw new Error(problem);
  });

  it('says buildah is available', async () => {
    expect(await buildahAvailable()).toBe(true);
  });

  it('builds FROM scratch + COPY into an OCI layout that skopeo reads, with labels, env and entrypoint', async () => {
    const b = build({ contextDir: helloContext(), buildArgs: { GREETING: 'hello there' }, platform: 'linux/amd64' });
    const { digest } = await b.result();

    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const layout = readLayout(b.outDir);
    expect(layout.digest).toBe(digest);
    expect(JSON.parse(readFileSync(join(b.outDir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });

    const inspected = JSON.parse((await run('skopeo', ['inspect', `oci:${b.outDir}`])).stdout) as Record<
      string,
      unknown
    >;
    expect(inspected).toMatchObject({
      Digest: digest,
      Architecture: 'amd64',
      Os: 'linux',
      Created: '2023-11-14T22:13:20Z',
    });
    const config = JSON.parse((await run('skopeo', ['inspect', '--config', `oci:${b.outDir}`])).stdout) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      created: '2023-11-14T22:13:20Z',
      architecture: 'amd64',
      os: 'linux',
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=hello there', 'MODE=test'],
        Entrypoint: ['/hello', '--flag'],
        Labels: { 'org.opencontainers.image.title': 'hello', greeting: 'hello there' },
      },
    });
    // --omit-history, --identity-label=false: nothing that names buildah or the build args.
    expect(config.history).toBeUndefined();
    expect(JSON.stringify(config)).not.toContain('io.buildah');

    expect(layout.manifest.layers.map((layer) => layer.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar+gzip',
    ]);
    expect(
      layout.layers[0]?.map((entry) => [
        entry.path,
        entry.type,
        entry.mode,
        entry.uid,
        entry.gid,
        entry.mtime,
        entry.data.toString(),
      ]),
    ).toEqual([['hello.txt', 'file', 0o644, 0, 0, EPOCH, 'hello\n']]);
    expect(b.logs.join('\n')).toMatch(/buildah version 1\.\d+/);
    expect(b.logs).toContain('STEP 3/6: COPY hello.txt /hello.txt');
    // Our storage.conf and containers.conf are complete: buildah complains about nothing.
    expect(b.logs.filter((line) => /level=(error|warning)/.test(line))).toEqual([]);
    await expectCleanedUp(b.tempDir);
  });

  it('is reproducible: another context path, file mtimes and owners, another second, the same digest', async () => {
    const first = build({ contextDir: helloContext() });
    const one = await first.result();

    const other = helloContext();
    utimesSync(join(other, 'hello.txt'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
    chownSync(join(other, 'hello.txt'), 1234, 5678);
    await new Promise((done) => setTimeout(done, 1100));
    const second = build({ contextDir: other });
    expect(await second.result()).toEqual(one);

    // The epoch does count: it is the config's created time and the entries' mtime.
    const later = build({ contextDir: helloContext(), sourceDateEpoch: EPOCH + 1 });
    expect((await later.result()).digest).not.toBe(one.digest);
    await expectCleanedUp(second.tempDir);
  });

  it('reports a broken Dockerfile as build-buildah-failed with the tail of buildah output, and removes everything', async () => {
    const b = build({ contextDir: helloContext(), dockerfile: '# syntax=docker/dockerfile:1\nFROMM scratch\n' });
    await expectRejection(
      b.result(),
      'build-buildah-failed',
      `buildah build of ${b.opts.contextDir} failed (exit code 125): `,
    );
    await expectRejection(buildWithBuildah(b.opts), 'build-buildah-failed', 'Error: no FROM statement found');
    expect(readdirSync(work)).not.toContain(b.outDir.slice(work.length + 1));
    await expectCleanedUp(b.tempDir);
  });

  it('fails a RUN in a FROM scratch image cleanly, leaving the given output directory empty', async () => {
    const outDir = fresh('out');
    mkdirSync(outDir);
    const b = build({
      contextDir: helloContext(),
      outDir,
      dockerfile: '# syntax=docker/dockerfile:1\nFROM scratch\nRUN echo hi\n',
    });
    const error = await b.result().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as PipelineError).code).toBe('build-buildah-failed');
    expect((error as PipelineError).message).toContain('/bin/sh: no such file or directory');
    expect((error as PipelineError).message).toContain('Error: building at STEP "RUN echo hi": exit status 1');
    expect(readdirSync(outDir)).toEqual([]);
    await expectCleanedUp(b.tempDir);
  });

  it('refuses a non-empty output directory, a missing context and a non-Dockerfile before running buildah', async () => {
    const full = writeTree(fresh('out'), { 'index.json': '{}' });
    await expectRejection(
      build({ contextDir: helloContext(), outDir: full }).result(),
      'build-dockerfile-invalid',
      `output directory ${full} already exists and is not empty`,
    );
    const missing = join(work, 'no-such-context');
    await expectRejection(
      build({ contextDir: missing }).result(),
      'build-dockerfile-invalid',
      `build context ${missing} is not an existing directory`,
    );
    await expectRejection(
      build({ contextDir: helloContext(), dockerfile: 'FROM scratch\n' }).result(),
      'build-dockerfile-invalid',
      'does not start with "# syntax=docker/dockerfile',
    );
    expect(readFileSync(join(full, 'index.json'), 'utf8')).toBe('{}');
    const noTemp = build({ contextDir: helloContext() });
    noTemp.opts.tempDir = join(work, 'no-such-temp');
    await expectRejection(
      noTemp.result(),
      'build-buildah-unavailable',
      `cannot make buildah's temporary storage under ${noTemp.opts.tempDir}: Error: ENOENT`,
    );
    expect(readdirSync(work)).not.toContain(noTemp.outDir.slice(work.length + 1));
  });

  describe('with RUN steps (a base image holding the host bash)', () => {
    let base: string;
    let server: Server;
    let connections = 0;
    beforeAll(async () => {
      // buildah names an `oci:<dir>` base after the path, which must then be lowercase.
      base = join(tmpdir(), `pf-buildah-base-${process.pid}`);
      rmSync(base, { recursive: true, force: true });
      const b = build({
        contextDir: bashBaseContext(fresh('base-ctx')),
        outDir: base,
        dockerfile: '# syntax=docker/dockerfile:1\nFROM scratch\nCOPY rootfs/ /\n',
      });
      await b.result();
      server = createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    });
    afterAll(async () => {
      rmSync(base, { recursive: true, force: true });
      await new Promise<void>((done) => server.close(() => done()));
    });

    const runDockerfile = (script: string) =>
      `# syntax=docker/dockerfile:1\nFROM oci:${base}\nRUN ["/bin/bash", "-c", ${JSON.stringify(script)}]\n`;

    it('runs them without network (only a down loopback), reproducibly', async () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const script = `mapfile -t l < /proc/net/dev; echo $(( \${#l[@]} - 2 )) > /ifaces; (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo reached > /net || echo unreachable > /net`;
      const b = build({ contextDir: helloContext(), dockerfile: runDockerfile(script) });
      const { digest } = await b.result();

      const added = readLayout(b.outDir).layers.at(-1);
      expect(fileOf(added, 'ifaces')?.data.toString()).toBe('1\n');
      expect(fileOf(added, 'net')?.data.toString()).toBe('unreachable\n');
      expect(connections).toBe(0);
      expect(fileOf(added, 'net')?.mtime).toBe(EPOCH);

      const again = build({ contextDir: helloContext(), dockerfile: runDockerfile(script) });
      expect((await again.result()).digest).toBe(digest);
      await expectCleanedUp(b.tempDir);
    });

    it('kills a build that runs over its timeout (RUN processes included) and removes its storage', async () => {
      const marker = `pf-loop-${process.pid}-${++n}`;
      const b = build({
        contextDir: helloContext(),
        dockerfile: runDockerfile(`: ${marker}; while :; do :; done`),
        timeoutMs: 4000,
      });
      const started = Date.now();
      const error = await b.result().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(error).toBeInstanceOf(RetryableError);
      expect((error as PipelineError).code).toBe('build-buildah-failed');
      expect((error as PipelineError).message).toContain(
        `buildah build of ${b.opts.contextDir} did not finish within 4000 ms and was killed; last output: `,
      );
      expect((error as PipelineError).message).toContain(`STEP 2/2: RUN ["/bin/bash", "-c", ": ${marker}`);
      await expectCleanedUp(b.tempDir, marker);
    });

    it('stops on abort with the signal reason, leaving nothing behind', async () => {
      const marker = `pf-loop-${process.pid}-${++n}`;
      const controller = new AbortController();
      const reason = new Error('worker shutting down');
      const b = build({
        contextDir: helloContext(),
        dockerfile: runDockerfile(`: ${marker}; while :; do :; done`),
        signal: controller.signal,
      });
      let runningAtAbort = 0;
      b.opts.log = (line) => {
        if (!line.startsWith('STEP 2/2')) return;
        // Abort once the step's process runs (polled: a loaded machine may take a while to start it), at most 20 s.
        let polls = 0;
        const poll = () => {
          runningAtAbort = processesMentioning(marker).length;
          if (runningAtAbort > 0 || ++polls >= 200) controller.abort(reason);
          else setTimeout(poll, 100);
        };
        setTimeout(poll, 100);
      };
      await expect(b.result()).rejects.toBe(reason);
      expect(runningAtAbort).toBeGreaterThan(0);
      await expectCleanedUp(b.tempDir, marker);
      expect(readdirSync(work)).not.toContain(b.outDir.slice(work.length + 1));
    });
  });
});
