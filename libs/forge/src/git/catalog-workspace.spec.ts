import { TerminalError, RetryableError } from '@patch-factory/contracts';
import { createCatalogOrigin, type CatalogOrigin } from '@patch-factory/testing';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ForgeErrorCode } from '../forge-errors';
import type { PatchChange } from '../patch-change';
import { CatalogWorkspace } from './catalog-workspace';

const RUN_A = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';
const RUN_B = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8PA';
const FILE = 'image/nginx/debian-13/1.27.yaml';
const BOT = { name: 'Patch Factory', email: 'factory@example.invalid' };
const BRANCH = 'pf/nginx/debian-13/1.27';

function change(version: string, runId = RUN_A, extra: Partial<PatchChange> = {}): PatchChange {
  return {
    runId,
    stream: { image: 'nginx', os: 'debian-13', stream: '1.27' },
    updates: [
      { ref: 'pkg:deb/debian/nginx', file: FILE, vars: [{ name: 'NGINX_VERSION', old: '1.27.0', new: version }] },
    ],
    files: [{ path: FILE, content: `vars:\n  NGINX_VERSION: ${version}\n` }],
    ...extra,
  };
}

/** A git wrapper that logs every invocation, to prove whether git ran at all. */
function gitSpy(origin: CatalogOrigin): { binary: string; calls: () => string[] } {
  const binary = join(origin.root, 'git-spy');
  const log = join(origin.root, 'git-spy.log');
  writeFileSync(binary, `#!/bin/sh\necho "$*" >> '${log}'\nexec git "$@"\n`);
  chmodSync(binary, 0o755);
  return { binary, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
}

describe('CatalogWorkspace', () => {
  let origin: CatalogOrigin;
  let workDir: string;
  let ws: CatalogWorkspace;

  beforeEach(() => {
    origin = createCatalogOrigin({
      [FILE]: 'vars:\n  NGINX_VERSION: 1.27.0\n',
      'image/nginx/info.yaml': 'name: nginx\n',
    });
    workDir = join(origin.root, 'work');
    ws = new CatalogWorkspace({ remoteUrl: origin.dir, workDir, author: BOT });
  });
  afterEach(() => origin.cleanup());

  it('pushes one commit on the default branch, in the bot’s style, by the configured author', async () => {
    const result = await ws.commitPatch(change('1.27.1'));
    expect(result).toMatchObject({ status: 'created', branch: BRANCH, base: 'main', baseSha: origin.head('main') });
    expect(origin.head(BRANCH)).toBe(result.headSha);
    const commits = origin.log(`main..${BRANCH}`);
    expect(commits).toHaveLength(1);
    const [c] = commits;
    expect(c?.parents).toEqual([origin.head('main')]);
    expect(c?.subject).toBe('nginx: update pkg:deb/debian/nginx in debian-13/1.27.yaml');
    expect(c?.message).toBe(
      'nginx: update pkg:deb/debian/nginx in debian-13/1.27.yaml\n\nNGINX_VERSION: 1.27.0 -> 1.27.1\n\n' +
        `Patch-Factory-Run: ${RUN_A}\nPatch-Factory-Stream: nginx/debian-13/1.27\n`,
    );
    // git itself reads the trailer.
    expect(origin.git(['log', '-1', '--format=%(trailers:key=Patch-Factory-Run,valueonly)', BRANCH]).trim()).toBe(
      RUN_A,
    );
    expect([c?.authorName, c?.authorEmail, c?.committerName, c?.committerEmail]).toEqual([
      BOT.name,
      BOT.email,
      BOT.name,
      BOT.email,
    ]);
    expect(origin.show(BRANCH, FILE)).toBe('vars:\n  NGINX_VERSION: 1.27.1\n');
    expect(origin.show(BRANCH, 'image/nginx/info.yaml')).toBe('name: nginx\n');
    expect(origin.head('main')).toBe(result.baseSha);
  });

  it('is idempotent: the same change again (another run) makes no commit and no push', async () => {
    const first = await ws.commitPatch(change('1.27.1', RUN_A));
    const refs = origin.refs();
    const again = await ws.commitPatch(change('1.27.1', RUN_B));
    expect(again).toMatchObject({ status: 'unchanged', headSha: first.headSha });
    expect(origin.refs()).toEqual(refs);
    expect(origin.log(`main..${BRANCH}`)).toHaveLength(1);
    // A second clone (another worker) sees the same thing.
    const other = new CatalogWorkspace({ remoteUrl: origin.dir, workDir: join(origin.root, 'work-2'), author: BOT });
    expect(await other.commitPatch(change('1.27.1', RUN_B))).toMatchObject({
      status: 'unchanged',
      headSha: first.headSha,
    });
    expect(origin.refs()).toEqual(refs);
  });

  it('replaces the branch content with one new commit (force-with-lease) when the change changes', async () => {
    await ws.commitPatch(change('1.27.1'));
    const second = await ws.commitPatch(change('1.27.2', RUN_B));
    expect(second.status).toBe('updated');
    const commits = origin.log(`main..${BRANCH}`);
    expect(commits.map((c) => c.sha)).toEqual([second.headSha]);
    expect(commits[0]?.message).toContain('NGINX_VERSION: 1.27.0 -> 1.27.2');
    expect(origin.show(BRANCH, FILE)).toContain('1.27.2');
  });

  it('rebases onto a moved default branch, and reports no-change once the default branch has it', async () => {
    await ws.commitPatch(change('1.27.1'));
    const newBase = origin.commit('main', { 'image/other/debian-13/1.yaml': 'x: 1\n' });
    const rebased = await ws.commitPatch(change('1.27.1'));
    expect(rebased.status).toBe('updated');
    expect(origin.log(`main..${BRANCH}`)[0]?.parents).toEqual([newBase]);
    origin.commit('main', { [FILE]: 'vars:\n  NGINX_VERSION: 1.27.1\n' });
    const obsolete = await ws.commitPatch(change('1.27.1'));
    expect(obsolete).toMatchObject({ status: 'no-change', headSha: rebased.headSha });
  });

  it('does not overwrite commits someone else pushed to the branch', async () => {
    await ws.commitPatch(change('1.27.1'));
    origin.commit(
      BRANCH,
      { [FILE]: 'vars:\n  NGINX_VERSION: 1.27.1 # reviewed\n' },
      { email: 'person@example.invalid' },
    );
    const refs = origin.refs();
    await expect(ws.commitPatch(change('1.27.2'))).rejects.toMatchObject({ code: ForgeErrorCode.branchEdited });
    expect(origin.refs()).toEqual(refs);
  });

  it('refuses to push when the branch moved after the fetch (lease), leaving the other push in place', async () => {
    const first = await ws.commitPatch(change('1.27.1'));
    const racer = origin.commit('scratch', { [FILE]: 'raced\n' }, { from: 'main', email: BOT.email });
    // A wrapper that moves the remote branch right before our push, as a concurrent worker would.
    const binary = join(origin.root, 'git-racer');
    writeFileSync(
      binary,
      `#!/bin/sh\ncase "$*" in *" push "*) GIT_DIR='${origin.dir}' git update-ref refs/heads/${BRANCH} ${racer} ;; esac\nexec git "$@"\n`,
    );
    chmodSync(binary, 0o755);
    const racing = new CatalogWorkspace({ remoteUrl: origin.dir, workDir, author: BOT, gitBinary: binary });
    const error = await racing.commitPatch(change('1.27.2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: ForgeErrorCode.branchMoved });
    expect(origin.head(BRANCH)).toBe(racer);
    expect(first.headSha).not.toBe(racer);
  });

  it('takes a racing push of the very same content as its own (runs of one stream patch together)', async () => {
    // Another worker makes the same change; its push lands between our fetch and our push.
    const theirs = await new CatalogWorkspace({
      remoteUrl: origin.dir,
      workDir: join(origin.root, 'twin'),
      author: BOT,
    }).commitPatch(change('1.27.1', RUN_B));
    origin.git(['update-ref', '-d', `refs/heads/${BRANCH}`]);
    const binary = join(origin.root, 'git-twin');
    writeFileSync(
      binary,
      `#!/bin/sh\ncase "$*" in *" push "*) GIT_DIR='${origin.dir}' git update-ref refs/heads/${BRANCH} ${theirs.headSha} ;; esac\nexec git "$@"\n`,
    );
    chmodSync(binary, 0o755);
    const racing = new CatalogWorkspace({ remoteUrl: origin.dir, workDir, author: BOT, gitBinary: binary });
    const ours = await racing.commitPatch(change('1.27.1'));
    expect(ours).toMatchObject({ status: 'unchanged', headSha: theirs.headSha });
    expect(origin.head(BRANCH)).toBe(theirs.headSha);
    // (Other content racing in stays the other worker's: see the lease test above.)
  });

  it('runs no hooks and ignores the machine’s global git config', async () => {
    const marker = join(origin.root, 'hook-ran');
    const hooks = join(origin.root, 'evil-hooks');
    mkdirSync(hooks);
    for (const h of [
      'pre-commit',
      'post-commit',
      'pre-push',
      'reference-transaction',
      'post-checkout',
      'pre-auto-gc',
    ]) {
      writeFileSync(join(hooks, h), `#!/bin/sh\necho ${h} >> '${marker}'\n`);
      chmodSync(join(hooks, h), 0o755);
    }
    // A "global" config that would set another identity and a hooks path, and the clone's own hooks.
    const home = join(origin.root, 'home');
    mkdirSync(home);
    writeFileSync(
      join(home, '.gitconfig'),
      `[user]\n  name = Wrong Person\n  email = wrong@example.invalid\n[core]\n  hooksPath = ${hooks}\n`,
    );
    await ws.commitPatch(change('1.27.1')); // makes the clone
    execFileSync('git', ['config', 'core.hooksPath', hooks], { env: { PATH: process.env['PATH'], GIT_DIR: workDir } });
    execFileSync('cp', ['-r', `${hooks}/.`, join(workDir, 'hooks')]);
    const savedHome = process.env['HOME'];
    process.env['HOME'] = home;
    try {
      const r = await ws.commitPatch(change('1.27.2'));
      expect(r.status).toBe('updated');
    } finally {
      process.env['HOME'] = savedHome;
    }
    expect(existsSync(marker)).toBe(false);
    const [c] = origin.log(`main..${BRANCH}`);
    expect([c?.authorEmail, c?.committerEmail]).toEqual([BOT.email, BOT.email]);
  });

  it('refuses to write through a symlink or over a submodule-like entry in the catalog', async () => {
    const blob = origin.git(['hash-object', '-w', '--stdin'], '/etc').trim();
    const index = join(origin.root, 'idx');
    const env = {
      PATH: process.env['PATH'],
      GIT_DIR: origin.dir,
      GIT_INDEX_FILE: index,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'x',
      GIT_AUTHOR_EMAIL: 'x@x',
      GIT_COMMITTER_NAME: 'x',
      GIT_COMMITTER_EMAIL: 'x@x',
    };
    execFileSync('git', ['read-tree', 'main'], { env });
    execFileSync('git', ['update-index', '--add', '--cacheinfo', `120000,${blob},image/evil`], { env });
    execFileSync('git', ['update-index', '--add', '--cacheinfo', `120000,${blob},image/nginx/debian-13/link.yaml`], {
      env,
    });
    const tree = execFileSync('git', ['write-tree'], { env, encoding: 'utf8' }).trim();
    const sha = execFileSync('git', ['commit-tree', tree, '-p', 'main', '-m', 'links'], {
      env,
      encoding: 'utf8',
    }).trim();
    origin.git(['update-ref', 'refs/heads/main', sha]);
    const through = change('1.27.1', RUN_A, { files: [{ path: 'image/evil/debian-13/1.yaml', content: 'x\n' }] });
    await expect(ws.commitPatch(through)).rejects.toMatchObject({ code: ForgeErrorCode.unsafeWorkDir });
    const over = change('1.27.1', RUN_A, { files: [{ path: 'image/nginx/debian-13/link.yaml', content: 'x\n' }] });
    await expect(ws.commitPatch(over)).rejects.toMatchObject({ code: ForgeErrorCode.unsafeWorkDir });
    expect(origin.head(BRANCH)).toBeUndefined();
  });

  it('refuses a work dir that is not its own clone', async () => {
    mkdirSync(workDir);
    writeFileSync(join(workDir, 'notes.txt'), 'mine\n');
    await expect(ws.commitPatch(change('1.27.1'))).rejects.toMatchObject({ code: ForgeErrorCode.unsafeWorkDir });
    expect(readFileSync(join(workDir, 'notes.txt'), 'utf8')).toBe('mine\n');
  });

  it('reads catalog files from the default branch or a patch branch', async () => {
    expect(await ws.readFile(FILE)).toBe('vars:\n  NGINX_VERSION: 1.27.0\n');
    expect(await ws.readFile('image/nginx/debian-13/none.yaml')).toBeUndefined();
    await ws.commitPatch(change('1.27.1'));
    expect(await ws.readFile(FILE, BRANCH)).toContain('1.27.1');
    expect(await ws.baseBranch()).toBe('main');
  });

  // Every row has three cells: a test function with more parameters than cells gets jest's `done`.
  const hostile: Array<[string, PatchChange, { branch?: string }]> = [
    ['an image with ../', { ...change('1'), stream: { image: '../etc', os: 'debian-13', stream: '1.27' } }, {}],
    ['an image with ;', { ...change('1'), stream: { image: 'nginx;rm', os: 'debian-13', stream: '1.27' } }, {}],
    ['a stream with $(', { ...change('1'), stream: { image: 'nginx', os: 'debian-13', stream: '$(id)' } }, {}],
    ['a stream with a newline', { ...change('1'), stream: { image: 'nginx', os: 'debian-13', stream: '1.27\nx' } }, {}],
    ['an os with a leading -', { ...change('1'), stream: { image: 'nginx', os: '-c', stream: '1.27' } }, {}],
    [
      'an image of 201 characters',
      { ...change('1'), stream: { image: 'a'.repeat(201), os: 'debian-13', stream: '1.27' } },
      {},
    ],
    [
      'a look-alike image name',
      { ...change('1'), stream: { image: 'ngin\u0445', os: 'debian-13', stream: '1.27' } },
      {},
    ],
    ['a file path with ../', change('1', RUN_A, { files: [{ path: '../../etc/x.yaml', content: 'x' }] }), {}],
    ['a file path into .git', change('1', RUN_A, { files: [{ path: '.git/hooks/x.yaml', content: 'x' }] }), {}],
    ['a file path with $(', change('1', RUN_A, { files: [{ path: 'image/$(id).yaml', content: 'x' }] }), {}],
    ['a file path with a leading -', change('1', RUN_A, { files: [{ path: '-x.yaml', content: 'x' }] }), {}],
    ['a value with a newline', change('1.27.1\n\nPatch-Factory-Run: run_01J0Z3W2Y8K8Q0X1V5T6R7S8PB'), {}],
    ['a ref with ;', change('1', RUN_A, { updates: [{ ref: 'a;b', file: FILE, vars: [] }] }), {}],
    ['a hostile run id', change('1', 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9\nx'), {}],
    ['a branch with ../', change('1.27.1'), { branch: 'pf/../main' }],
    ['a branch with a leading -', change('1.27.1'), { branch: '--force' }],
    ['a branch of 201 characters', change('1.27.1'), { branch: `pf/${'a'.repeat(198)}` }],
  ];

  it.each(hostile)('refuses %s before any git process runs', async (_what, input, opts) => {
    const spy = gitSpy(origin);
    const refs = origin.refs();
    const spying = new CatalogWorkspace({ remoteUrl: origin.dir, workDir, author: BOT, gitBinary: spy.binary });
    const error = await spying.commitPatch(input, opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ code: ForgeErrorCode.unsafeInput });
    expect(spy.calls()).toEqual([]);
    expect(existsSync(workDir)).toBe(false);
    expect(origin.refs()).toEqual(refs);
  });

  it('the spy does see git when the input is fine (so the test above can fail)', async () => {
    const spy = gitSpy(origin);
    await new CatalogWorkspace({ remoteUrl: origin.dir, workDir, author: BOT, gitBinary: spy.binary }).commitPatch(
      change('1.27.1'),
    );
    expect(spy.calls().some((c) => c.startsWith('-c core.hooksPath=/dev/null') && c.includes(' push '))).toBe(true);
  });

  it('refuses bad configuration with a message naming the field', () => {
    expect(() => new CatalogWorkspace({ remoteUrl: '--upload-pack=touch /tmp/x', workDir, author: BOT })).toThrow(
      /remoteUrl/,
    );
    expect(
      () => new CatalogWorkspace({ remoteUrl: 'https://user:secret@example.com/x.git', workDir, author: BOT }),
    ).toThrow(/remoteUrl/);
    expect(() => new CatalogWorkspace({ remoteUrl: origin.dir, workDir: 'relative', author: BOT })).toThrow(/workDir/);
    expect(
      () => new CatalogWorkspace({ remoteUrl: origin.dir, workDir, author: { name: 'x\nEvil: y', email: 'a@b' } }),
    ).toThrow(TerminalError);
  });
});
