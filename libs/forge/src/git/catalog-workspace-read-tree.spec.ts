import { execFileSync } from 'node:child_process';
import { createCatalogOrigin, isolatedGitEnv, type CatalogOrigin } from '@patch-factory/testing';
import { join } from 'node:path';
import { CatalogWorkspace } from './catalog-workspace';

const BOT = { name: 'Patch Factory', email: 'factory@example.invalid' };

describe('CatalogWorkspace.readTree', () => {
  let origin: CatalogOrigin;
  let ws: CatalogWorkspace;

  beforeEach(() => {
    origin = createCatalogOrigin({
      'image/a/debian-13/1.yaml': 'vars:\n  V: 1\n',
      'image/a/debian-13/2.yaml': 'name: "ünïcode ✓"\n',
      'image/a/info.yaml': 'metadata: {}\n',
      'README.md': 'not under image/\n',
    });
    // A symbolic link in the repository is not read.
    const env = isolatedGitEnv({ GIT_DIR: origin.dir, GIT_INDEX_FILE: join(origin.root, 'link.index') });
    const git = (args: string[], input?: string) => execFileSync('git', args, { env, input }).toString().trim();
    const blob = git(['hash-object', '-w', '--stdin'], '../../../README.md');
    git(['read-tree', 'main']);
    git(['update-index', '--add', '--cacheinfo', `120000,${blob},image/a/debian-13/link.yaml`]);
    const commit = git(['commit-tree', git(['write-tree']), '-p', origin.head('main') as string, '-m', 'add a link']);
    git(['update-ref', 'refs/heads/main', commit]);
    ws = new CatalogWorkspace({ remoteUrl: origin.dir, workDir: join(origin.root, 'work'), author: BOT });
  });
  afterEach(() => origin.cleanup());

  it('reads every regular file under a folder of the default branch in one go, text intact', async () => {
    const files = await ws.readTree('image');
    expect([...files.keys()].sort()).toEqual([
      'image/a/debian-13/1.yaml',
      'image/a/debian-13/2.yaml',
      'image/a/info.yaml',
    ]);
    expect(files.get('image/a/debian-13/2.yaml')).toBe('name: "ünïcode ✓"\n');
    expect(files.get('image/a/debian-13/1.yaml')).toBe(origin.show('main', 'image/a/debian-13/1.yaml'));
  });

  it.each(['../etc', '/image', 'image/../..', 'image;rm', '-rf'])(
    'refuses the folder %j before running git',
    async (dir) => {
      await expect(ws.readTree(dir)).rejects.toThrow(/is refused/);
    },
  );
});
