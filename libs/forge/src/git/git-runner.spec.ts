import { RetryableError, TerminalError } from '@patch-factory/contracts';
import {
  createCatalogOrigin,
  isolatedGitEnv,
  startGitHttpServer,
  type CatalogOrigin,
  type GitHttpServer,
} from '@patch-factory/testing';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ForgeErrorCode } from '../forge-errors';
import type { ForgeLogger } from '../forge-logger';
import { classifyGitFailure } from './git-failure';
import { GitRunner } from './git-runner';

const BOT = { name: 'Patch Factory', email: 'factory@example.invalid' };

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('GitRunner: git failures that will not pass fail at once; the others are retried', () => {
  let origin: CatalogOrigin;
  let git: GitRunner;
  let logs: Array<{ fields: Record<string, unknown>; msg: string }>;
  const logger: ForgeLogger = {
    info: (fields, msg) => logs.push({ fields, msg }),
    warn: (fields, msg) => logs.push({ fields, msg }),
  };

  beforeEach(() => {
    origin = createCatalogOrigin({ 'image/a/debian-13/1.yaml': 'vars: {}\n' });
    logs = [];
    git = new GitRunner({ dir: origin.dir, binary: 'git', timeoutMs: 30_000, author: BOT, committer: BOT, logger });
  });
  afterEach(() => origin.cleanup());

  async function failure(args: string[], opts: Parameters<GitRunner['run']>[1] = {}): Promise<Error> {
    const error = await git.run(args, { env: { GIT_DIR: origin.dir }, ...opts }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof Error)) throw new Error(`git ${args.join(' ')} did not fail`);
    return error;
  }

  it.each([
    [
      'a bad object',
      ['cat-file', '-p', '1234567890123456789012345678901234567890'],
      ForgeErrorCode.gitRefused,
      'Not a valid object name',
    ],
    [
      'an invalid ref name',
      ['update-ref', 'refs/heads/a..b', 'main'],
      ForgeErrorCode.gitRefused,
      'refusing to update ref with bad name',
    ],
    [
      'an unknown revision',
      ['rev-parse', '--verify', 'no-such-branch'],
      ForgeErrorCode.gitRefused,
      'Needed a single revision',
    ],
    ['an invalid refspec', ['push', '.', 'main:refs/heads/x..y'], ForgeErrorCode.gitRefused, 'invalid refspec'],
    [
      'a repository that does not exist',
      ['ls-remote', '/nonexistent/catalog.git'],
      ForgeErrorCode.gitRemoteMissing,
      'does not appear to be a git repository',
    ],
  ])('%s is a TerminalError with git’s own message, logged', async (_what, args, code, said) => {
    const error = await failure(args);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ code });
    expect(error.message).toContain(said);
    expect(logs).toContainEqual({
      fields: expect.objectContaining({
        command: args[0],
        code,
        retryable: false,
        git: expect.stringContaining(said) as unknown,
      }) as unknown,
      msg: 'git command failed',
    });
  });

  it('a push to the checked-out branch of a repository with a working tree is a TerminalError naming the cause', async () => {
    const worktree = join(origin.root, 'person');
    execFileSync('git', ['clone', '--quiet', origin.dir, worktree], { env: isolatedGitEnv() });
    origin.commit('main', { 'image/a/debian-13/1.yaml': 'vars: {x: 1}\n' });
    const error = await failure(['push', worktree, 'main:main']);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ code: ForgeErrorCode.remoteNotBare });
    // git's telling lines, although they come after ten lines of advice.
    expect(error.message).toContain('refusing to update checked out branch');
    expect(error.message).toContain('[remote rejected] main -> main (branch is currently checked out)');
  });

  it('a locked ref is a RetryableError (another git process may hold it)', async () => {
    writeFileSync(join(origin.dir, 'refs', 'heads', 'main.lock'), '');
    const error = await failure(['update-ref', 'refs/heads/main', 'main']);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: ForgeErrorCode.gitFailed });
    expect(error.message).toContain('cannot lock ref');
  });

  it('a refused connection is a RetryableError', async () => {
    const port = await closedPort();
    const error = await failure(['ls-remote', `http://127.0.0.1:${port}/catalog.git`], { remote: true });
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: ForgeErrorCode.gitFailed });
    expect(error.message).toContain(`Failed to connect to 127.0.0.1 port ${port}`);
  });

  describe('over smart HTTP', () => {
    let server: GitHttpServer;
    beforeEach(async () => {
      server = await startGitHttpServer({
        projectRoot: origin.root,
        username: 'x-access-token',
        password: 'good-token',
      });
    });
    afterEach(() => server.close());

    it('a 5xx answer from the remote is a RetryableError, and the same command passes once the remote is back', async () => {
      const http = { origin: server.url, username: 'x-access-token', token: 'good-token' };
      const remote = new GitRunner({
        dir: origin.dir,
        binary: 'git',
        timeoutMs: 30_000,
        author: BOT,
        committer: BOT,
        http,
        logger,
      });
      server.failNext(503);
      const error = await remote
        .run(['ls-remote', `${server.url}/origin.git`], { remote: true })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({
        code: ForgeErrorCode.gitFailed,
        message: expect.stringContaining('503') as unknown,
      });
      expect(await remote.run(['ls-remote', `${server.url}/origin.git`], { remote: true })).toContain(
        'refs/heads/main',
      );
    });

    it('a repository the server does not have is a TerminalError', async () => {
      const http = { origin: server.url, username: 'x-access-token', token: 'good-token' };
      const remote = new GitRunner({
        dir: origin.dir,
        binary: 'git',
        timeoutMs: 30_000,
        author: BOT,
        committer: BOT,
        http,
        logger,
      });
      const error = await remote
        .run(['ls-remote', `${server.url}/missing.git`], { remote: true })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TerminalError);
      expect(error).toMatchObject({ code: ForgeErrorCode.gitRemoteMissing });
    });
  });

  it('classifies git’s messages: authentication, network and server failures, and unknown ones', () => {
    const cases: Array<[string, boolean, string]> = [
      ["fatal: Authentication failed for 'https://github.com/o/r.git/'", false, ForgeErrorCode.gitAuth],
      [
        "fatal: could not read Username for 'https://github.com': terminal prompts disabled",
        false,
        ForgeErrorCode.gitAuth,
      ],
      ['error: RPC failed; HTTP 401 curl 22 The requested URL returned error: 401', false, ForgeErrorCode.gitAuth],
      [
        "remote: Permission to o/r.git denied to bot.\nfatal: unable to access 'https://github.com/o/r.git/': The requested URL returned error: 403",
        false,
        ForgeErrorCode.gitAuth,
      ],
      [
        'git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.',
        false,
        ForgeErrorCode.gitAuth,
      ],
      [
        "remote: Repository not found.\nfatal: repository 'https://github.com/o/r.git/' not found",
        false,
        ForgeErrorCode.gitRemoteMissing,
      ],
      [' ! [remote rejected] main -> main (protected branch hook declined)', false, ForgeErrorCode.pushRefused],
      [
        "fatal: unable to access 'https://github.com/o/r.git/': Could not resolve host: github.com",
        true,
        ForgeErrorCode.gitFailed,
      ],
      [
        'ssh: connect to host github.com port 22: Connection refused\nfatal: Could not read from remote repository.',
        true,
        ForgeErrorCode.gitFailed,
      ],
      [
        'error: RPC failed; curl 56 GnuTLS recv error (-9): Error decoding the received TLS packet.',
        true,
        ForgeErrorCode.gitFailed,
      ],
      [
        "fatal: unable to access 'https://github.com/o/r.git/': The requested URL returned error: 502",
        true,
        ForgeErrorCode.gitFailed,
      ],
      ['fatal: the remote end hung up unexpectedly', true, ForgeErrorCode.gitFailed],
      ['block timeout reached', true, ForgeErrorCode.gitFailed],
      ['something git never said before', true, ForgeErrorCode.gitFailed],
    ];
    for (const [said, retryable, code] of cases)
      expect([said, classifyGitFailure(said)]).toMatchObject([said, { retryable, code }]);
  });
});
