import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectRejection } from '../expect-pipeline-error.fixture';
import { RootFs } from '../rootfs/rootfs';
import { AS_ROOT } from './host-root.fixture';
import { collectOutputs } from './build-outputs';

let work: string;
let root: string;
let image: RootFs;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'pf-outputs-'));
  root = join(work, 'root');
  mkdirSync(join(root, 'out/app/lib'), { recursive: true });
  writeFileSync(join(root, 'out/app/run'), '#!/bin/sh\necho run\n');
  chmodSync(join(root, 'out/app/run'), 0o700);
  writeFileSync(join(root, 'out/app/lib/data.txt'), 'data');
  symlinkSync('lib/data.txt', join(root, 'out/app/current'));
  symlinkSync('/out/app', join(root, 'app-link'));
  writeFileSync(join(work, 'host-secret'), 'never copied');
  if (AS_ROOT) chownSync(join(root, 'out/app/lib/data.txt'), 1234, 1234);
  image = new RootFs();
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

const collect = (outputs: Parameters<typeof collectOutputs>[1]) =>
  collectOutputs(root, outputs, image, 'contents.builds[0]');

describe('collectOutputs', () => {
  it('copies a file to its target with the owner and mode given', async () => {
    await collect([{ source: '/out/app/run', target: '/usr/local/bin/app', uid: 65532, gid: 65533, mode: '0755' }]);
    const e = image.get('usr/local/bin/app');
    expect(e).toMatchObject({ type: 'file', uid: 65532, gid: 65533, mode: 0o755, mtime: 0 });
    expect(e?.data.toString()).toBe('#!/bin/sh\necho run\n');
  });

  it('copies a directory recursively, keeping symlinks as symlinks and owners as on disk', async () => {
    await collect([{ source: '/out/app', target: '/opt/app' }]);
    expect(image.subtree('opt/app')).toEqual([
      'opt/app',
      'opt/app/current',
      'opt/app/lib',
      'opt/app/lib/data.txt',
      'opt/app/run',
    ]);
    expect(image.get('opt/app/current')).toMatchObject({ type: 'symlink', linkTarget: 'lib/data.txt' });
    expect(image.get('opt/app/run')?.mode).toBe(0o700);
    if (AS_ROOT) expect(image.get('opt/app/lib/data.txt')).toMatchObject({ uid: 1234, gid: 1234 });
  });

  it('defaults the target to the source, follows a symlink in the source path inside the root, and merges into / ', async () => {
    await collect([{ source: '/app-link/lib', uid: 0, gid: 0 }]);
    expect(image.get('app-link/lib/data.txt')?.data.toString()).toBe('data');
    await collect([{ source: '/out', target: '/' }]);
    expect(image.get('app/run')?.type).toBe('file');
  });

  it('puts targets below /bin in merged /usr and rewrites moved relative links', async () => {
    mkdirSync(join(root, 'dest/bin'), { recursive: true });
    symlinkSync('../etc/conf', join(root, 'dest/bin/conf-link'));
    await collect([{ source: '/dest', target: '/' }]);
    expect(image.get('usr/bin/conf-link')).toMatchObject({ type: 'symlink', linkTarget: '../../etc/conf' });
  });

  it('names a missing source', async () => {
    await expectRejection(
      collect([{ source: '/out/nothing' }]),
      'build-output-missing',
      'contents.builds[0].outputs[0]: source "/out/nothing" is not in the build root',
    );
    await expectRejection(
      collect([{ source: '/out/app/run/below' }]),
      'build-output-missing',
      '"/out/app/run" is no directory',
    );
    await expectRejection(collect([{ target: '/x' }]), 'build-output-missing', 'names no source');
  });

  it('refuses ".." in a source or target', async () => {
    await expectRejection(
      collect([{ source: '/out/../../host-secret' }]),
      'build-output-unsafe',
      'source "/out/../../host-secret" has a ".." segment',
    );
    await expectRejection(
      collect([{ source: '/out/app/run', target: '/usr/../../etc/x' }]),
      'build-output-unsafe',
      'target',
    );
  });

  it('refuses a source that resolves through a symlink out of the root, and never reads the host', async () => {
    symlinkSync('../../..', join(root, 'escape'));
    await expectRejection(collect([{ source: '/escape/host-secret' }]), 'build-output-unsafe', 'leads above the root');
    // An absolute target is the root's, not the host's: /host-secret is not in the root.
    symlinkSync(join(work), join(root, 'abs'));
    await expectRejection(collect([{ source: '/abs/host-secret' }]), 'build-output-missing');
    expect(image.subtree('.').some((p) => p.includes('host-secret'))).toBe(false);
  });

  it('refuses a copied symlink that points above the image root', async () => {
    symlinkSync('../../../etc/shadow', join(root, 'out/app/evil'));
    await expectRejection(
      collect([{ source: '/out/app', target: '/opt/app' }]),
      'build-output-unsafe',
      'symlink "/opt/app/evil" points to "../../../etc/shadow", above the image root',
    );
  });

  it('refuses a target below a symlink of the image', async () => {
    image.put(
      {
        path: 'opt',
        type: 'symlink',
        mode: 0o777,
        uid: 0,
        gid: 0,
        mtime: 0,
        linkTarget: '/etc',
        data: Buffer.alloc(0),
      },
      't',
    );
    await expectRejection(
      collect([{ source: '/out/app/run', target: '/opt/run' }]),
      'build-output-unsafe',
      'lies below the symlink "/opt"',
    );
  });

  it('refuses a fifo', async () => {
    execFileSync('mkfifo', [join(root, 'out/app/pipe')]);
    await expectRejection(collect([{ source: '/out/app/pipe' }]), 'build-output-unsafe', 'is a fifo');
  });

  it('refuses a bad mode or id', async () => {
    await expectRejection(collect([{ source: '/out/app/run', mode: 'rwx' }]), 'build-spec-invalid', 'mode "rwx"');
    await expectRejection(collect([{ source: '/out/app/run', uid: -5 }]), 'build-spec-invalid', 'uid is not an id');
  });
});
