import type { Build } from '@patch-factory/definitions';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectRejection } from '../expect-pipeline-error.fixture';
import { RootFs } from '../rootfs/rootfs';
import { hostRootFs, requireRoot, SANDBOX_KINDS } from './host-root.fixture';
import { runBuild, type RunBuildOptions } from './run-build';
import { STEP_HOSTNAME } from './sandbox-command';

const buildRoot = hostRootFs();
let tmp: string;
let lines: string[];

beforeAll(() => requireRoot('the build tests (steps run as other users and in the chroot fallback)'));
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pf-run-build-'));
  // Steps run as other users start their sandbox as that user: the build directory must be reachable.
  chmodSync(tmp, 0o711);
  lines = [];
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const options = (extra: Partial<RunBuildOptions> = {}): RunBuildOptions => ({
  tmpDir: tmp,
  log: (line) => lines.push(line),
  where: 'contents.builds[0]',
  vars: { 'package.version': '1.2.3' },
  ...extra,
});

describe.each(SANDBOX_KINDS)('runBuild (%s)', (kind) => {
  it('runs the steps and puts the outputs into the image with their owner and mode', async () => {
    const build: Build = {
      'work-dir': '/src',
      environment: { GREETING: 'hello', MODE: 'build' },
      pipeline: [
        {
          name: 'prepare',
          runs: 'mkdir -p /out/bin && echo "$GREETING ${package.version} $MODE" > /out/bin/app && pwd',
          environment: { MODE: 'step' },
        },
        { name: 'subdir', 'work-dir': 'sub', runs: 'pwd; echo "${PATH}" > /out/path' },
      ],
      outputs: [
        { source: '/out/bin/app', target: '/usr/bin/app-${package.version}', uid: 65532, gid: 65533, mode: '0755' },
        { source: '/out/path', target: '/etc/build-path' },
      ],
    };
    const image = new RootFs();
    await runBuild(build, buildRoot, image, options({ kind }));
    expect(image.get('usr/bin/app-1.2.3')).toMatchObject({ type: 'file', uid: 65532, gid: 65533, mode: 0o755 });
    expect(image.get('usr/bin/app-1.2.3')?.data.toString()).toBe('hello 1.2.3 step\n');
    expect(image.get('etc/build-path')?.data.toString()).toBe(
      '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n',
    );
    expect(lines).toContain('/src');
    expect(lines).toContain('/src/sub');
    expect(lines.some((l) => l.startsWith('contents.builds[0].pipeline[0] "prepare": running as 0:0 in /src'))).toBe(
      true,
    );
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('fails on a failing step with its exit code and output, and removes the build directory', async () => {
    const build: Build = {
      pipeline: [{ name: 'compile', runs: 'echo compiling; echo "error: boom" >&2; exit 3' }, { runs: 'echo never' }],
    };
    await expectRejection(
      runBuild(build, buildRoot, new RootFs(), options({ kind })),
      'build-step-failed',
      'contents.builds[0].pipeline[0] "compile" failed with exit code 3; last output:\ncompiling\nerror: boom',
    );
    expect(lines).not.toContain('never');
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('runBuild', () => {
  it('runs a step as a user of the build accounts, whose files keep that owner', async () => {
    const build: Build = {
      accounts: { users: [{ name: 'builder', uid: 1500, gid: 1600 }], groups: [{ name: 'builder', gid: 1600 }] },
      pipeline: [
        { 'run-as': 'builder', 'work-dir': '/home/builder', runs: 'id -u; id -g; echo mine > made' },
        { 'run-as': '2000:3000', 'work-dir': '/other', runs: 'echo theirs > made' },
        { 'run-as': '1500', runs: 'echo "uid=$(id -u) gid=$(id -g)"' },
      ],
      outputs: [{ source: '/home/builder/made', target: '/made' }, { source: '/other/made' }],
    };
    for (const kind of SANDBOX_KINDS) {
      const image = new RootFs();
      lines = [];
      await runBuild(build, buildRoot, image, options({ kind }));
      expect([kind, lines]).toEqual([kind, expect.arrayContaining(['1500', '1600', 'uid=1500 gid=1600'])]);
      expect([kind, image.get('made')]).toMatchObject([kind, { uid: 1500, gid: 1600 }]);
      expect([kind, image.get('other/made')]).toMatchObject([kind, { uid: 2000, gid: 3000 }]);
    }
    // The accounts went into a copy: the caller's build root is untouched.
    expect(buildRoot.get('etc/passwd')).toBeUndefined();
  });

  it('applies the build paths before the steps', async () => {
    const build: Build = {
      paths: [{ type: 'file', path: '/etc/greeting', content: 'from paths\n', mode: '0600' }],
      pipeline: [{ runs: 'mkdir /out; cat /etc/greeting > /out/greeting' }],
      outputs: [{ source: '/out/greeting' }],
    };
    const image = new RootFs();
    await runBuild(build, buildRoot, image, options());
    expect(image.get('out/greeting')?.data.toString()).toBe('from paths\n');
    expect(buildRoot.get('etc/greeting')).toBeUndefined();
  });

  it('says when a step user cannot reach the build directory', async () => {
    chmodSync(tmp, 0o700);
    const build: Build = { pipeline: [{ 'run-as': '1500', runs: 'true' }] };
    await expectRejection(
      runBuild(build, buildRoot, new RootFs(), options({ kind: 'bwrap' })),
      'build-step-failed',
      `cannot run as 1500:1500: the build root lies below "${tmp}" (mode 0700)`,
    );
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('names a run-as user the root does not know', async () => {
    const build: Build = { pipeline: [{ 'run-as': 'ghost', runs: 'true' }] };
    await expectRejection(
      runBuild(build, buildRoot, new RootFs(), options()),
      'build-step-failed',
      'cannot run as "ghost": user "ghost" is not in the build root\'s /etc/passwd',
    );
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuses an output that escapes the root through a symlink the step made, and cleans up', async () => {
    const build: Build = {
      pipeline: [{ runs: 'mkdir /out; ln -s ../../../../../.. /out/up' }],
      outputs: [{ source: '/out/up/etc/passwd' }],
    };
    const image = new RootFs();
    await expectRejection(
      runBuild(build, buildRoot, image, options()),
      'build-output-unsafe',
      'contents.builds[0].outputs[0]: source "/out/up/etc/passwd" leads above the root',
    );
    expect(image.get('out/up/etc/passwd')).toBeUndefined();
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('gives every step SOURCE_DATE_EPOCH (0 by default), over a value the definition sets', async () => {
    const build: Build = {
      environment: { SOURCE_DATE_EPOCH: '5' },
      pipeline: [
        { runs: 'mkdir -p /out && echo "a=$SOURCE_DATE_EPOCH" > /out/epoch' },
        { runs: 'echo "b=$SOURCE_DATE_EPOCH" >> /out/epoch', environment: { SOURCE_DATE_EPOCH: '6' } },
      ],
      outputs: [{ source: '/out/epoch', target: '/etc/epoch' }],
    };
    const image = new RootFs();
    await runBuild(build, buildRoot, image, options({ sourceDateEpoch: 1_700_000_000 }));
    expect(image.get('etc/epoch')?.data.toString()).toBe('a=1700000000\nb=1700000000\n');
    const byDefault = new RootFs();
    await runBuild(
      {
        pipeline: [{ runs: 'mkdir -p /out && echo "$SOURCE_DATE_EPOCH" > /out/epoch' }],
        outputs: [{ source: '/out/epoch', target: '/etc/epoch' }],
      },
      buildRoot,
      byDefault,
      options(),
    );
    expect(byDefault.get('etc/epoch')?.data.toString()).toBe('0\n');
  });

  it('runs every step with umask 022, whatever the factory’s own umask: what it writes has the same modes on every host', async () => {
    const build: Build = {
      pipeline: [{ runs: 'mkdir -p /out/dir && echo x > /out/dir/file && echo "$(umask)" > /out/dir/umask' }],
      outputs: [{ source: '/out/dir', target: '/opt/dir' }],
    };
    for (const kind of SANDBOX_KINDS) {
      const image = new RootFs();
      const before = process.umask(0o077);
      try {
        await runBuild(build, buildRoot, image, options({ kind }));
      } finally {
        process.umask(before);
      }
      expect([kind, image.get('opt/dir')?.mode, image.get('opt/dir/file')?.mode]).toEqual([kind, 0o755, 0o644]);
      expect(image.get('opt/dir/umask')?.data.toString()).toBe('0022\n');
    }
  });

  it('runs every step on the host name pf-build, never the host’s own', async () => {
    const build: Build = {
      pipeline: [{ runs: 'mkdir -p /out && cat /proc/sys/kernel/hostname > /out/name' }],
      outputs: [{ source: '/out/name', target: '/etc/built-on' }],
    };
    for (const kind of SANDBOX_KINDS) {
      const image = new RootFs();
      await runBuild(build, buildRoot, image, options({ kind }));
      expect([kind, image.get('etc/built-on')?.data.toString()]).toEqual([kind, `${STEP_HOSTNAME}\n`]);
    }
  });

  it('refuses a SOURCE_DATE_EPOCH that is not a count of seconds, before doing anything', async () => {
    const build: Build = { pipeline: [{ runs: 'true' }] };
    await expectRejection(
      runBuild(build, buildRoot, new RootFs(), options({ kind: 'bwrap', sourceDateEpoch: -1 })),
      'build-step-unsupported',
      'contents.builds[0]: SOURCE_DATE_EPOCH -1 is not a count of seconds',
    );
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuses an unknown dotted variable before doing anything', async () => {
    const build: Build = { pipeline: [{ runs: 'echo ${package.epoch}' }] };
    await expectRejection(
      runBuild(build, buildRoot, new RootFs(), options({ kind: 'bwrap' })),
      'build-var-unknown',
      'contents.builds[0].pipeline[0].runs: variable "${package.epoch}" is unknown (known: package.version)',
    );
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuses reusable steps, conditions and what else the sandbox cannot do', async () => {
    const refused = async (build: Build, fragment: string) =>
      expectRejection(
        runBuild(build, buildRoot, new RootFs(), options({ kind: 'bwrap' })),
        'build-step-unsupported',
        fragment,
      );
    await refused(
      { pipeline: [{ runs: 'true' }, { name: 'fetch', uses: 'git/checkout@v1', with: { repository: 'x' } }] },
      'contents.builds[0].pipeline[1] "fetch": "uses: git/checkout@v1" (a reusable step)',
    );
    await refused(
      { pipeline: [{ if: '${{targets.arch}} == "amd64"', runs: 'true' }] },
      'contents.builds[0].pipeline[0]: "if: ${{targets.arch}} == "amd64""',
    );
    await refused({ pipeline: [{ name: 'empty' }] }, '"empty" has no "runs"');
    await refused({ pipeline: [{ runs: 'true', secrets: [{ id: 'token', env: 'TOKEN' }] }] }, '"secrets"');
    await refused({ uses: 'deb/build@v1' }, 'contents.builds[0]: "uses: deb/build@v1" (a reusable build)');
    await refused({ outputs: [{ source: '/x', diff: true }] }, 'contents.builds[0].outputs[0]: "diff: true"');
    expect(readdirSync(tmp)).toEqual([]);
  });
});
