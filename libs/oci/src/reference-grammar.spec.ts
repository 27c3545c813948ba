import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerminalError } from '@patch-factory/contracts';
import { repoRoot } from '@patch-factory/testing';
import { OciErrorCode } from './oci-errors';
import {
  assertImageReference,
  formatImageReference,
  imageReferenceProblem,
  parseImageReference,
  referenceName,
} from './reference-grammar';

const CATALOG = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog', 'image');
const HEX = 'a'.repeat(64);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [],
  );
}

/** Every image reference the real catalog writes: `image:`, `# syntax=` and the `uses:` that name an image (a tag or a digest after a path). */
function catalogReferences(): { names: string[]; references: string[] } {
  const names = new Set<string>();
  const references = new Set<string>();
  for (const file of yamlFiles(CATALOG)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const image = /^\s*image:\s*["']?([^\s"']+)/.exec(line);
      if (image) names.add(image[1] as string);
      const syntax = /^#\s*syntax=(\S+)/.exec(line);
      if (syntax) references.add(syntax[1] as string);
      const uses = /^\s*(?:-\s*)?uses:\s*["']?([^\s"']+)/.exec(line);
      if (uses && /\/[^@]*[:@]/.test(uses[1] as string) && !/@v\d+$/.test(uses[1] as string))
        references.add(uses[1] as string);
    }
  }
  return { names: [...names], references: [...references] };
}

describe('the OCI reference grammar (one grammar for every image name)', () => {
  it('accepts every image name and image reference of the real catalog, and gives it back unchanged', () => {
    const { names, references } = catalogReferences();
    expect(names.length).toBeGreaterThan(500);
    expect(references.length).toBeGreaterThan(30);
    const refused = [...names, ...references].map((r) => imageReferenceProblem(r)).filter((p) => p !== undefined);
    expect(refused).toEqual([]);
    for (const name of names) {
      const ref = parseImageReference(name, { noTag: true, noDigest: true });
      expect(ref?.domain).toBeDefined();
      expect(referenceName(ref as NonNullable<typeof ref>)).toBe(name);
    }
    for (const text of references) {
      const ref = parseImageReference(text) as NonNullable<ReturnType<typeof parseImageReference>>;
      expect(ref.tag !== undefined || ref.digest !== undefined).toBe(true);
      expect(formatImageReference(ref)).toBe(text);
    }
  });

  it.each([
    ['127.0.0.1:5000/examples/redis:7.0', { domain: '127.0.0.1:5000', path: 'examples/redis', tag: '7.0' }],
    ['[::1]:5000/x/y:1', { domain: '[::1]:5000', path: 'x/y', tag: '1' }],
    [`localhost:5000/a/b@sha256:${HEX}`, { domain: 'localhost:5000', path: 'a/b', digest: `sha256:${HEX}` }],
    [
      `registry.example.org:5000/team/app:1@sha256:${HEX}`,
      { domain: 'registry.example.org:5000', path: 'team/app', tag: '1', digest: `sha256:${HEX}` },
    ],
    ['Registry.Example.org/team/app', { domain: 'Registry.Example.org', path: 'team/app' }],
    ['localhost/app', { domain: 'localhost', path: 'app' }],
    ['examples/redis', { path: 'examples/redis' }],
    ['redis:7.0-bookworm_1', { path: 'redis', tag: '7.0-bookworm_1' }],
    ['a__b/c--d/e.f_g:_x', { path: 'a__b/c--d/e.f_g', tag: '_x' }],
    ['team/app:1..2', { path: 'team/app', tag: '1..2' }],
    [`team/app@sha512:${'b'.repeat(128)}`, { path: 'team/app', digest: `sha512:${'b'.repeat(128)}` }],
  ])('accepts %s', (text, parts) => {
    expect(parseImageReference(text)).toEqual(parts);
    expect(formatImageReference(parts)).toBe(text);
  });

  it('takes the first component as the host when asked (reference.Parse), and requires one when asked', () => {
    expect(parseImageReference('myregistry/team/app:1', { hostFirst: true })).toEqual({
      domain: 'myregistry',
      path: 'team/app',
      tag: '1',
    });
    expect(parseImageReference('examples/redis', { domainRequired: true })).toBeUndefined();
    expect(imageReferenceProblem('examples/redis', { domainRequired: true })).toContain('names no registry host');
    expect(imageReferenceProblem('registry.example.org/team/app:1', { noTag: true })).toContain('has a tag');
    expect(imageReferenceProblem(`registry.example.org/team/app@sha256:${HEX}`, { noDigest: true })).toContain(
      'has a digest',
    );
  });

  it.each([
    ['', 'is empty'],
    ['team/app\n', 'control character'],
    ['team/app\u001b[31m', 'control character'],
    ['team/ app', 'whitespace'],
    ['team/app:1\t', 'control character'],
    ['team/app:1\u00a0', 'whitespace'],
    ['team/äpp', 'outside printable ASCII'],
    ['https://registry.example.org/team/app', 'URL scheme'],
    ['registry.example.org/team/../app', '".."'],
    ['registry..example.org/team/app', '".."'],
    ['registry.example.org/Team/app', 'upper-case letters in its repository path'],
    ['examples/Redis:7', 'upper-case letters in its repository path'],
    ['registry.example.org//app', 'empty path component'],
    ['registry.example.org/app/', 'empty path component'],
    ['-registry.example.org/app', 'registry host'],
    ['registry.example.org:99999/app', 'port 99999'],
    ['registry.example.org:5000:1/app', 'registry host'],
    ['[::1/app', 'registry host'],
    ['registry.example.org/app:.hidden', 'tag'],
    [`registry.example.org/app:${'t'.repeat(129)}`, 'tag'],
    ['registry.example.org/app@sha256:abc', 'digest'],
    [`registry.example.org/app@sha256:${'A'.repeat(64)}`, 'digest'],
    ['registry.example.org/a-/b', 'path component "a-"'],
    ['registry.example.org/a___b', 'path component'],
    [`registry.example.org/${'a'.repeat(240)}/${'b'.repeat(20)}`, 'more than 255'],
    ['r'.repeat(600), 'characters long'],
    ['go/build@v1', 'digest'],
    [':1', 'names no repository'],
  ])('refuses %j (%s)', (text, why) => {
    expect(parseImageReference(text)).toBeUndefined();
    expect(imageReferenceProblem(text)).toContain(why);
  });

  it('refuses a value that is not a string, and says where the name was read in its error', () => {
    expect(imageReferenceProblem(42)).toContain('is not a string');
    let caught: unknown;
    try {
      assertImageReference('registry.example.org/Team/app\u0007', 'definition.yaml: image');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TerminalError);
    expect((caught as TerminalError).code).toBe(OciErrorCode.invalidReference);
    expect((caught as Error).message).toMatch(
      /^definition\.yaml: image: image reference "registry\.example\.org\/Team\/app\\u0007" contains a control character \(U\+0007\)/,
    );
  });
});
