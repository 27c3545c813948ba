import { TerminalError } from '@patch-factory/contracts';
import {
  createCatalogOrigin,
  startGitHttpServer,
  type CatalogOrigin,
  type GitHttpServer,
} from '@patch-factory/testing';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ForgeErrorCode } from '../forge-errors';
import type { ForgeLogger } from '../forge-logger';
import type { PatchChange } from '../patch-change';
import { CatalogWorkspace } from './catalog-workspace';

const TOKEN = 'ghp_http_s3cr3t_token_value_0123456789';
const WRONG = 'ghp_wrong_token_value_9876543210';
const BOT = { name: 'Patch Factory', email: 'factory@example.invalid' };
const FILE = 'image/nginx/debian-13/1.27.yaml';
const BRANCH = 'pf/nginx/debian-13/1.27';

const change: PatchChange = {
  runId: 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9',
  stream: { image: 'nginx', os: 'debian-13', stream: '1.27' },
  updates: [
    { ref: 'pkg:deb/debian/nginx', file: FILE, vars: [{ name: 'NGINX_VERSION', old: '1.27.0', new: '1.27.1' }] },
  ],
  files: [{ path: FILE, content: 'vars:\n  NGINX_VERSION: 1.27.1\n' }],
};

/** Every process's command line on this machine now (what `ps` would show to anyone). */
function commandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\u0000').join(' '));
    } catch {
      // The process ended while we looked.
    }
  }
  return lines;
}

describe('CatalogWorkspace over smart HTTP with a token (git-http-backend behind Basic auth)', () => {
  let origin: CatalogOrigin;
  let server: GitHttpServer;
  let seen: string[];
  let logs: Array<{ fields: Record<string, unknown>; msg: string }>;
  const logger: ForgeLogger = {
    info: (fields, msg) => logs.push({ fields, msg }),
    warn: (fields, msg) => logs.push({ fields, msg }),
  };

  /** A git wrapper that records its arguments, to show what git was given. */
  function gitSpy(): { binary: string; calls: () => string } {
    const binary = join(origin.root, 'git-spy');
    const log = join(origin.root, 'git-spy.log');
    writeFileSync(binary, `#!/bin/sh\necho "$*" >> '${log}'\nexec git "$@"\n`);
    chmodSync(binary, 0o755);
    return { binary, calls: () => (existsSync(log) ? readFileSync(log, 'utf8') : '') };
  }

  function workspace(token: string, binary = 'git'): { ws: CatalogWorkspace; workDir: string } {
    const workDir = join(origin.root, `work-${token.slice(4, 8)}`);
    const ws = new CatalogWorkspace(
      { remoteUrl: `${server.url}/origin.git`, workDir, author: BOT, gitBinary: binary, httpAuth: { token } },
      { logger },
    );
    return { ws, workDir };
  }

  beforeEach(async () => {
    origin = createCatalogOrigin({ [FILE]: 'vars:\n  NGINX_VERSION: 1.27.0\n' });
    seen = [];
    logs = [];
    // While git waits for each authenticated answer, look at every process's command line.
    server = await startGitHttpServer({
      projectRoot: origin.root,
      username: 'x-access-token',
      password: TOKEN,
      onAuthenticated: () =>
        seen.push(
          ...commandLines().filter((l) => l.includes('origin.git') || l.includes(TOKEN) || l.includes('credential')),
        ),
    });
  });
  afterEach(async () => {
    await server.close();
    origin.cleanup();
  });

  it('pushes with the right token, which is in no argument, command line, URL, config or log', async () => {
    const spy = gitSpy();
    const { ws, workDir } = workspace(TOKEN, spy.binary);
    const result = await ws.commitPatch(change);
    expect(result).toMatchObject({ status: 'created', branch: BRANCH });
    expect(origin.head(BRANCH)).toBe(result.headSha);
    expect(
      server.requests.some(
        (r) =>
          r.method === 'POST' &&
          r.path === '/origin.git/git-receive-pack' &&
          r.status === 200 &&
          r.user === 'x-access-token',
      ),
    ).toBe(true);
    // The scan ran while git was talking to the server (it saw git's remote helper)…
    expect(seen.some((l) => l.includes(`${server.url}/origin.git`))).toBe(true);
    // …and no process had the token on its command line.
    expect(seen.filter((l) => l.includes(TOKEN))).toEqual([]);
    expect(spy.calls()).toContain(' push ');
    expect(spy.calls()).not.toContain(TOKEN);
    const config = readFileSync(join(workDir, 'config'), 'utf8');
    expect(config).toContain(`url = ${server.url}/origin.git`);
    expect(config).not.toContain(TOKEN);
    expect(config).not.toContain('credential');
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  it('a wrong token fails at once with a permanent authentication error that never shows a token', async () => {
    const { ws, workDir } = workspace(WRONG);
    const error = await ws.commitPatch(change).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ code: ForgeErrorCode.gitAuth });
    const message = (error as Error).message;
    expect(message).toContain(`Authentication failed for '${server.url}/origin.git/'`);
    expect(message).toContain('check the token');
    for (const secret of [WRONG, TOKEN]) {
      expect(message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(JSON.stringify(logs)).not.toContain(secret);
      expect(readFileSync(join(workDir, 'config'), 'utf8')).not.toContain(secret);
    }
    expect(logs).toContainEqual({
      fields: expect.objectContaining({ command: 'fetch', code: ForgeErrorCode.gitAuth, retryable: false }) as unknown,
      msg: 'git command failed',
    });
    expect(server.requests.filter((r) => r.status === 200)).toEqual([]);
    expect(origin.head(BRANCH)).toBeUndefined();
  });

  it('without credentials the remote answers 401 and git does not prompt: a permanent authentication error', async () => {
    const ws = new CatalogWorkspace(
      { remoteUrl: `${server.url}/origin.git`, workDir: join(origin.root, 'anon'), author: BOT },
      { logger },
    );
    await expect(ws.commitPatch(change)).rejects.toMatchObject({ code: ForgeErrorCode.gitAuth, retryable: false });
  });

  it('refuses credentials in the URL and httpAuth for a remote that is not https', () => {
    expect(
      () =>
        new CatalogWorkspace({
          remoteUrl: `http://x-access-token:${TOKEN}@127.0.0.1:1/origin.git`,
          workDir: join(origin.root, 'w'),
          author: BOT,
        }),
    ).toThrow(/remoteUrl/);
    expect(
      () =>
        new CatalogWorkspace({
          remoteUrl: origin.dir,
          workDir: join(origin.root, 'w'),
          author: BOT,
          httpAuth: { token: TOKEN },
        }),
    ).toThrow(/httpAuth/);
    expect(
      () =>
        new CatalogWorkspace({
          remoteUrl: 'http://example.com/origin.git',
          workDir: join(origin.root, 'w'),
          author: BOT,
        }),
    ).toThrow(/remoteUrl/);
  });
});
