import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError } from '@patch-factory/contracts';
import type { Definition } from '@patch-factory/definitions';
import { buildImage } from '../build/build-image';
import { exampleDefinition, startExampleMirror } from '../examples/example.fixture';
import { readImageLayout } from '@patch-factory/oci';
import { IMAGE_NAME_ANNOTATION, definitionAnnotations } from './definition-config';

/** The build annotation holds the definition's image name by the OCI reference grammar (issue 15). */

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof PipelineError ? `${e.code}: ${e.message}` : `not a PipelineError: ${String(e)}`;
  }
  return 'not refused';
}

describe('the image-name build annotation', () => {
  it.each([
    '127.0.0.1:5000/examples/redis:7.0',
    '[::1]:5000/x/y:1',
    `localhost:5000/a/b@sha256:${'a'.repeat(64)}`,
    'registry.example.org:5000/team/app',
    'examples/redis',
  ])('holds %s as written', (image) => {
    expect(definitionAnnotations({ image } as Definition, 'image/redis.yaml')[IMAGE_NAME_ANNOTATION]).toBe(image);
  });

  it.each([
    ['registry.example.org:5000/Team/app', 'upper-case letters in its repository path'],
    ['https://registry.example.org/team/app', 'URL scheme'],
    ['registry.example.org/team/../app', '".."'],
    ['registry.example.org/team/app\r\nX-Injected: 1', 'control character'],
    [' registry.example.org/team/app', 'whitespace'],
    [`registry.example.org/${'a'.repeat(300)}`, 'more than 255'],
  ])('refuses %j naming the definition and its image field', (image, why) => {
    const message = refusal(() => definitionAnnotations({ image } as Definition, 'image/redis.yaml'));
    expect(message).toMatch(/^build-image-invalid: image\/redis\.yaml: image: image reference "/);
    expect(message).toContain(why);
  });

  describe('buildImage', () => {
    let work: string;
    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'pf-build-image-name-'));
    });
    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });
    const opts = (out: string) => ({
      where: 'image/redis.yaml',
      outDir: join(work, out),
      cacheDir: join(work, 'cache'),
      sources: { keyringDir: join(work, 'keyrings') },
      sourceDateEpoch: 1_700_000_000,
    });

    it('builds the static example named 127.0.0.1:5000/examples/static:1 and writes that name into its index', async () => {
      const mirror = await startExampleMirror(['amd64']);
      try {
        const def = { ...exampleDefinition('static'), image: '127.0.0.1:5000/examples/static:1' };
        const result = await buildImage(def, { ...opts('ok'), sources: mirror.sources, platforms: ['linux/amd64'] });
        const layout = await readImageLayout(result.outDir, {});
        const hex = layout.indexDigest.slice('sha256:'.length);
        const index = JSON.parse(readFileSync(join(result.outDir, 'blobs', 'sha256', hex), 'utf8')) as {
          annotations: Record<string, string>;
        };
        expect(index.annotations[IMAGE_NAME_ANNOTATION]).toBe('127.0.0.1:5000/examples/static:1');
      } finally {
        await mirror.fixture.close();
      }
    }, 300_000);

    it('refuses a hostile image name before fetching anything, and writes nothing', async () => {
      await expect(
        buildImage(
          {
            image: 'registry.example.org/../etc',
            contents: { repositories: ['deb http://deb.mirror.invalid/debian bookworm main'], packages: ['x'] },
          } as Definition,
          opts('bad'),
        ),
      ).rejects.toThrow(
        /^image\/redis\.yaml: image: image reference "registry\.example\.org\/\.\.\/etc" contains "\.\."/,
      );
    });
  });
});
