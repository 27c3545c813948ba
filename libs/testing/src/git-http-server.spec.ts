import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createCatalogOrigin, isolatedGitEnv, type CatalogOrigin } from './github-double/catalog-origin';
import { startGitHttpServer, type GitHttpServer } from './git-http-server';

const USER = 'x-access-token';
const PASSWORD = 'fixture-password';

describe('git smart-HTTP server fixture (git-http-backend behind Basic auth)', () => {
  let origin: CatalogOrigin;
  let server: GitHttpServer;
  const auth = `Authorization: Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  // Asynchronous: the server answers from this same process.
  const git = async (args: string[], cwd: string, header = auth): Promise<string> =>
    (
      await promisify(execFile)('git', ['-c', `http.extraHeader=${header}`, ...args], {
        cwd,
        env: isolatedGitEnv(),
        encoding: 'utf8',
        timeout: 60_000,
      })
    ).stdout;

  beforeEach(async () => {
    origin = createCatalogOrigin({ 'image/a/debian-13/1.yaml': 'vars: {}\n' });
    server = await startGitHttpServer({ projectRoot: origin.root, username: USER, password: PASSWORD });
  });
  afterEach(async () => {
    await server.close();
    origin.cleanup();
  });

  it('serves a clone whose gzip’d request the backend inflates, and a large chunked push', async () => {
    for (let i = 0; i < 60; i++) origin.commit(`topic/branch-${i}`, { [`f${i}.txt`]: `${i}\n` }, { from: 'main' });
    await git(['clone', '--quiet', `${server.url}/origin.git`, 'clone'], origin.root);
    const clone = join(origin.root, 'clone');
    expect((await git(['branch', '-r'], clone)).split('\n').filter((l) => l.includes('origin/topic/')).length).toBe(60);
    expect(
      server.requests.some(
        (r) => r.path === '/origin.git/git-upload-pack' && r.encoding === 'gzip' && r.status === 200,
      ),
    ).toBe(true);

    writeFileSync(join(clone, 'big.bin'), randomBytes(3 * 1024 * 1024));
    await git(['add', 'big.bin'], clone);
    await git(['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-m', 'big'], clone);
    await git(['push', '--quiet', 'origin', 'HEAD:refs/heads/big'], clone);
    expect(origin.head('big')).toBe((await git(['rev-parse', 'HEAD'], clone)).trim());
    expect(
      server.requests.some((r) => r.path === '/origin.git/git-receive-pack' && r.chunked && r.status === 200),
    ).toBe(true);
  });

  it('answers 401 without the right credentials and injected failures first', async () => {
    const wrong = `Authorization: Basic ${Buffer.from(`${USER}:nope`).toString('base64')}`;
    await expect(git(['ls-remote', `${server.url}/origin.git`], origin.root, wrong)).rejects.toThrow(
      /could not read Username/,
    );
    server.failNext(503);
    await expect(git(['ls-remote', `${server.url}/origin.git`], origin.root)).rejects.toThrow(/503/);
    expect(await git(['ls-remote', `${server.url}/origin.git`], origin.root)).toContain('refs/heads/main');
    // Protocol v2: the ref advertisement, then ls-refs.
    expect(server.requests.map((r) => r.status)).toEqual([401, 503, 200, 200]);
  });
});
