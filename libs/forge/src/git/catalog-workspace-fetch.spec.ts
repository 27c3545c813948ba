import { createCatalogOrigin, type CatalogOrigin } from '@patch-factory/testing';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CatalogWorkspace } from './catalog-workspace';

const BOT = { name: 'Patch Factory', email: 'factory@example.invalid' };
const FILE = 'image/nginx/debian-13/1.27.yaml';

/** A git wrapper that logs every invocation's arguments. */
function gitSpy(origin: CatalogOrigin): { binary: string; fetches: () => string[] } {
  const binary = join(origin.root, 'git-spy');
  const log = join(origin.root, 'git-spy.log');
  writeFileSync(binary, `#!/bin/sh\necho "$*" >> '${log}'\nexec git "$@"\n`);
  chmodSync(binary, 0o755);
  return {
    binary,
    fetches: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => /(^| )fetch /.test(l))
        : [],
  };
}

/**
 * How the clone keeps up with the remote: calls made together share one fetch, a fetch names
 * only the refs the call needs, and no call is ever served by a fetch that started before it.
 */
describe('CatalogWorkspace fetches', () => {
  let origin: CatalogOrigin;
  let spy: ReturnType<typeof gitSpy>;
  let ws: CatalogWorkspace;

  beforeEach(async () => {
    const files: Record<string, string> = { [FILE]: 'vars:\n  VERSION: 1.0.0\n' };
    for (let i = 0; i < 5; i++) files[`image/app${i}/debian-13/1.yaml`] = `vars:\n  VERSION: ${i}.0\n`;
    origin = createCatalogOrigin(files);
    spy = gitSpy(origin);
    ws = new CatalogWorkspace({
      remoteUrl: origin.dir,
      workDir: join(origin.root, 'work'),
      author: BOT,
      gitBinary: spy.binary,
    });
    await ws.baseBranch();
  });
  afterEach(() => origin.cleanup());

  it('serves a burst of reads asked together with one fetch of the default branch alone', async () => {
    const before = spy.fetches().length;
    const texts = await Promise.all([0, 1, 2, 3, 4].map((i) => ws.readFile(`image/app${i}/debian-13/1.yaml`)));
    expect(texts).toEqual([0, 1, 2, 3, 4].map((i) => `vars:\n  VERSION: ${i}.0\n`));
    const fetches = spy.fetches().slice(before);
    expect(fetches).toHaveLength(1);
    expect(fetches[0]).toContain('+refs/heads/main:refs/remotes/origin/main');
    expect(fetches[0]).not.toContain('refs/heads/*');
  });

  it('never answers a call with a fetch that started before the call was made', async () => {
    const first = ws.readFile(FILE);
    origin.commit('main', { [FILE]: 'vars:\n  VERSION: 2.0.0\n' });
    const second = ws.readFile(FILE);
    expect(['vars:\n  VERSION: 1.0.0\n', 'vars:\n  VERSION: 2.0.0\n']).toContain(await first);
    expect(await second).toBe('vars:\n  VERSION: 2.0.0\n');
    // A later call, after both finished, fetches again and sees a newer change too.
    origin.commit('main', { [FILE]: 'vars:\n  VERSION: 3.0.0\n' });
    expect(await ws.readFile(FILE)).toBe('vars:\n  VERSION: 3.0.0\n');
  });

  it('fetches a branch by name, sees it appear and sees it go (pruned), whatever other branches exist', async () => {
    for (let i = 0; i < 30; i++)
      origin.commit(`pf/other/debian-13/${i}`, { [FILE]: `vars:\n  VERSION: 9.${i}\n` }, { from: 'main' });
    const branch = 'pf/nginx/debian-13/1.27';
    expect(await ws.branchHead(branch)).toBeUndefined();
    const sha = origin.commit(branch, { [FILE]: 'vars:\n  VERSION: 1.0.1\n' }, { from: 'main' });
    // A branch whose name starts with this one's is another branch: it never stands in for it.
    origin.commit(`${branch}0`, { [FILE]: 'vars:\n  VERSION: 1.0.2\n' }, { from: 'main' });
    expect(await ws.branchHead(branch)).toBe(sha);
    expect(await ws.readFile(FILE, branch)).toBe('vars:\n  VERSION: 1.0.1\n');
    origin.git(['update-ref', '-d', `refs/heads/${branch}`]);
    expect(await ws.branchHead(branch)).toBeUndefined();
    const narrow = spy.fetches().filter((f) => f.includes(branch));
    expect(narrow.length).toBeGreaterThan(0);
    expect(narrow.every((f) => !f.includes('refs/heads/*'))).toBe(true);
    // Listing every patch branch fetches them all.
    expect((await ws.listPatchBranches()).map((b) => b.branch)).toHaveLength(31);
  });
});
