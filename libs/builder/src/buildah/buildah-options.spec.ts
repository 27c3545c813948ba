import { resolve } from 'node:path';
import { expectFailure } from '../expect-pipeline-error.fixture';
import { buildArgs, pushArgs } from './buildah-args';
import { checkBuildOptions, type BuildahBuildOptions } from './buildah-options';
import type { BuildahStorage } from './buildah-storage';

const INVALID = 'build-dockerfile-invalid';
const base = (over: Partial<BuildahBuildOptions> = {}): BuildahBuildOptions => ({
  dockerfile: '# syntax=docker/dockerfile:1\nFROM scratch\n',
  contextDir: '/ctx',
  outDir: '/out/image',
  sourceDateEpoch: 1_700_000_000,
  log: () => undefined,
  ...over,
});

describe('checkBuildOptions', () => {
  it('makes paths absolute, puts SOURCE_DATE_EPOCH first and sorts the build args', () => {
    const checked = checkBuildOptions(
      base({ contextDir: 'ctx', buildArgs: { Z: '1', A_b: 'x=y\nz', _u: '' }, platform: 'linux/arm64/v8' }),
    );
    expect(checked.contextDir).toBe(resolve('ctx'));
    expect(checked.buildArgs).toEqual([
      ['SOURCE_DATE_EPOCH', '1700000000'],
      ['A_b', 'x=y\nz'],
      ['Z', '1'],
      ['_u', ''],
    ]);
    expect(checked.timeoutMs).toBe(3_600_000);
    expect(checked.platform).toBe('linux/arm64/v8');
  });

  it('accepts SOURCE_DATE_EPOCH as a build arg only when it is sourceDateEpoch', () => {
    expect(checkBuildOptions(base({ buildArgs: { SOURCE_DATE_EPOCH: '1700000000' } })).buildArgs).toEqual([
      ['SOURCE_DATE_EPOCH', '1700000000'],
    ]);
    expectFailure(
      () => checkBuildOptions(base({ buildArgs: { SOURCE_DATE_EPOCH: '1' } })),
      INVALID,
      'differs from sourceDateEpoch 1700000000',
    );
  });

  it.each<[string, Partial<BuildahBuildOptions>, string]>([
    [
      'a definition that is not a Dockerfile',
      { dockerfile: 'FROM scratch\n' },
      'does not start with "# syntax=docker/dockerfile[:version]" (its first line is "FROM scratch")',
    ],
    [
      'a NUL byte in the Dockerfile',
      { dockerfile: '# syntax=docker/dockerfile:1\nFROM scratch\0\n' },
      'without NUL bytes',
    ],
    [
      'a huge Dockerfile',
      { dockerfile: `# syntax=docker/dockerfile:1\n${'#'.repeat(1024 * 1024)}` },
      'at most 1048576 characters',
    ],
    [
      'a bad build arg name',
      { buildArgs: { '1A': 'x' } },
      'build arg name "1A" for Dockerfile definition for /ctx is not [A-Za-z_][A-Za-z0-9_]*',
    ],
    ['a build arg name with a dash', { buildArgs: { 'A-B': 'x' } }, 'build arg name "A-B"'],
    ['a build arg name with =', { buildArgs: { 'A=B': 'x' } }, 'build arg name "A=B"'],
    ['an empty build arg name', { buildArgs: { '': 'x' } }, 'build arg name ""'],
    [
      'a NUL in a build arg value',
      { buildArgs: { A: 'x\0y' } },
      'build arg A for Dockerfile definition for /ctx is not a text',
    ],
    ['a build arg value that is no string', { buildArgs: { A: 1 as unknown as string } }, 'build arg A'],
    [
      'a platform without arch',
      { platform: 'linux' },
      'platform "linux" for Dockerfile definition for /ctx is not os/arch[/variant]',
    ],
    ['an upper-case platform', { platform: 'Linux/AMD64' }, 'platform "Linux/AMD64"'],
    ['a platform with a flag', { platform: '--all/x' }, 'platform "--all/x"'],
    [
      'a negative epoch',
      { sourceDateEpoch: -1 },
      'SOURCE_DATE_EPOCH -1 for Dockerfile definition for /ctx is not a whole number of seconds',
    ],
    ['a fractional epoch', { sourceDateEpoch: 1.5 }, 'SOURCE_DATE_EPOCH 1.5'],
    ['a zero timeout', { timeoutMs: 0 }, 'timeout 0 ms'],
    ['an empty context path', { contextDir: '' }, 'context directory "" is not a non-empty path'],
    ['a NUL in the output path', { outDir: '/out\0x' }, 'output directory "/out?x" is not a non-empty path'],
    ['a colon in the output path', { outDir: '/out/a:b' }, 'output directory /out/a:b contains ":"'],
  ])('refuses %s', (_what, over, fragment) => {
    expectFailure(() => checkBuildOptions(base(over)), INVALID, fragment);
  });
});

describe('buildah arguments', () => {
  const storage: BuildahStorage = {
    dir: '/t',
    globalArgs: ['--root=/t/root', '--runroot=/t/runroot', '--storage-driver=vfs'],
    env: {},
    dockerfile: '/t/Dockerfile',
    imageIdFile: '/t/image-id',
    digestFile: '/t/manifest-digest',
  };

  it('builds with chroot isolation, reproducibility flags and one word per flag', () => {
    const checked = checkBuildOptions(base({ buildArgs: { V: '--x y' }, platform: 'linux/amd64' }));
    expect(buildArgs(checked, storage)).toEqual([
      '--root=/t/root',
      '--runroot=/t/runroot',
      '--storage-driver=vfs',
      'build',
      '--isolation=chroot',
      '--format=oci',
      '--timestamp=1700000000',
      '--omit-history',
      '--identity-label=false',
      '--layers=false',
      '--platform=linux/amd64',
      '--build-arg=SOURCE_DATE_EPOCH=1700000000',
      '--build-arg=V=--x y',
      '--iidfile=/t/image-id',
      '--file=/t/Dockerfile',
      '/ctx',
    ]);
  });

  it('pushes the image id into oci:<outDir>', () => {
    expect(pushArgs(checkBuildOptions(base()), storage, 'sha256:abc')).toEqual([
      '--root=/t/root',
      '--runroot=/t/runroot',
      '--storage-driver=vfs',
      'push',
      '--format=oci',
      '--compression-format=gzip',
      '--remove-signatures',
      '--retry=0',
      '--digestfile=/t/manifest-digest',
      'sha256:abc',
      'oci:/out/image',
    ]);
  });
});
