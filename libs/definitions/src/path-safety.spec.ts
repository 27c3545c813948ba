import { parseDefinition } from './parse-definition';
import { imagePathProblem } from './path-safety';

const BASE = 'name: App\nimage: registry.example.org/app\nvariant: runtime\n';

describe('path safety of definitions', () => {
  it.each([
    ['/usr/local/bin', undefined],
    ['${source.dir}/patch', undefined],
    ['${target.dir}/opt/app', undefined],
    ['../etc/passwd', '".." segment'],
    ['/usr/../../etc/passwd', '".." segment'],
    ['${target.dir}/../../host', '".." segment'],
    ['src/patch/deps.json', undefined],
    ['', undefined],
    ['a\\..\\..\\x', '".." segment'],
    ['/usr/bin\n/etc', 'line-break'],
  ])('%j', (path, problem) => {
    const found = imagePathProblem(path);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('refuses traversal in paths and build outputs with file, line, column and key path', () => {
    const text = `${BASE}paths:\n  - type: directory\n    path: /opt/app\n  - type: file\n    path: /opt/../../etc/shadow\ncontents:\n  builds:\n    - name: b\n      outputs:\n        - source: /out\n          target: ../../root\n`;
    const parsed = parseDefinition(text, 'image/app/debian-13/1.yaml');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => [e.code, e.line, e.column, e.path])).toEqual([
      ['unsafe-path', 8, 11, 'paths[1].path'],
      ['unsafe-path', 14, 19, 'contents.builds[0].outputs[0].target'],
    ]);
    expect(parsed.errors[0]?.message).toContain('".." segment');
  });

  it('keeps a symbolic link target relative: it resolves inside the image', () => {
    const text = `${BASE}paths:\n  - type: symlink\n    path: /usr/bin/app\n    source: ../lib/app/bin/app\n`;
    expect(parseDefinition(text, 'image/app/debian-13/1.yaml').ok).toBe(true);
  });
});
