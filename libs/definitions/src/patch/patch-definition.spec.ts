import { PipelineError, type VarChange } from '@patch-factory/contracts';
import { patchDefinition } from './patch-definition';

const DEFINITION = [
  '# A hand-written definition: comments, quoting and key order must survive.',
  'name: Demo',
  'tags:',
  '  - "2"',
  '  - 2.15-debian13   # rendered from SEMVER_MAJOR_MINOR_VERSION',
  '  - 2.15.1-debian13',
  'vars:',
  '  VERSION: 2.15.1-1+deb13u1',
  '  SEMVER_MAJOR_MINOR_VERSION: "2.15"',
  '  SEMVER_VERSION: 2.15.1',
  "  GO_REFERENCE: 'dhi/golang:1.26.5-debian13-dev@sha256:" + 'a'.repeat(64) + "'",
  '  UNRELATED: 12.15.0',
  'contents:',
  '  packages:',
  '    - demo=${VERSION}',
  '    - demo-data=2.15.1-1+deb13u1',
  '    - other=2.150.0',
  '  builds:',
  '    - name: compile',
  '      uses: registry.example.org/golang:1.26.5-debian13-dev@sha256:' + 'a'.repeat(64),
  '',
].join('\n');

const change = (name: string, old: string, next: string): VarChange => ({ name, old, new: next });

describe('patchDefinition', () => {
  it('changes a variable and every place rendered from it, and nothing else', () => {
    const out = patchDefinition(
      DEFINITION,
      [change('VERSION', '2.15.1-1+deb13u1', '2.16.0-1+deb13u1')],
      'image/demo/debian-13/2.yaml',
    );
    const want = DEFINITION.replace('  VERSION: 2.15.1-1+deb13u1', '  VERSION: 2.16.0-1+deb13u1')
      .replace('demo-data=2.15.1-1+deb13u1', 'demo-data=2.16.0-1+deb13u1')
      .replace('  - 2.15-debian13   #', '  - 2.16-debian13   #')
      .replace('  - 2.15.1-debian13', '  - 2.16.0-debian13')
      .replace('SEMVER_MAJOR_MINOR_VERSION: "2.15"', 'SEMVER_MAJOR_MINOR_VERSION: "2.16"')
      .replace('SEMVER_VERSION: 2.15.1', 'SEMVER_VERSION: 2.16.0');
    expect(out.text).toBe(want);
    // Whole version tokens only: 12.15.0 and 2.150.0 are other versions.
    expect(out.text).toContain('UNRELATED: 12.15.0');
    expect(out.text).toContain('other=2.150.0');
    expect(out.replacements.map((r) => r.reason).sort()).toEqual(['derived-version', 'derived-version', 'value']);
    // Every replacement matches whole tokens only (issue 12: the value itself too).
    expect(out.replacements.every((r) => r.bounded)).toBe(true);
    expect(out.replacements.map((r) => r.from).sort()).toEqual(['2.15', '2.15.1', '2.15.1-1+deb13u1']);
  });

  it('rewrites a registry-qualified rendering of an image reference, keeping the quoting of the variable', () => {
    const old = `dhi/golang:1.26.5-debian13-dev@sha256:${'a'.repeat(64)}`;
    const next = `dhi/golang:1.26.6-debian13-dev@sha256:${'b'.repeat(64)}`;
    const out = patchDefinition(DEFINITION, [change('GO_REFERENCE', old, next)], 'x.yaml');
    expect(out.text).toContain(`  GO_REFERENCE: '${next}'`);
    expect(out.text).toContain(`uses: registry.example.org/golang:1.26.6-debian13-dev@sha256:${'b'.repeat(64)}`);
    expect(out.text).not.toContain('a'.repeat(64));
  });

  it('keeps CRLF line endings and applies changes simultaneously (a value inside another changes once)', () => {
    const crlf = 'vars:\r\n  V: 1.2.3\r\n  REF: dhi/x:1.2.3@sha256:' + 'c'.repeat(64) + '\r\n';
    const out = patchDefinition(
      crlf,
      [
        change('V', '1.2.3', '1.2.4'),
        change('REF', `dhi/x:1.2.3@sha256:${'c'.repeat(64)}`, `dhi/x:1.2.4@sha256:${'d'.repeat(64)}`),
      ],
      'crlf.yaml',
    );
    expect(out.text).toBe('vars:\r\n  V: 1.2.4\r\n  REF: dhi/x:1.2.4@sha256:' + 'd'.repeat(64) + '\r\n');
  });

  it('reports a change whose variable the file does not hold, and leaves the file as it was', () => {
    const out = patchDefinition(DEFINITION, [change('MISSING', '9.9.9', '9.9.10')], 'x.yaml');
    expect(out.text).toBe(DEFINITION);
    expect(out.absent.map((c) => c.name)).toEqual(['MISSING']);
  });

  const hostile: [string, string][] = [
    ['../x', '".." path segment'],
    ['a/../../etc/passwd', '".." path segment'],
    ['a;rm -rf /', 'outside letters'],
    ['$(x)', 'outside letters'],
    ['1.2\nmalicious: true', 'control or non-ASCII'],
    ['1'.repeat(300), '300 characters'],
    ['1.2.3-\u0430', 'control or non-ASCII'], // Cyrillic a, a look-alike of "a"
    ['-rf', 'outside letters'],
    ['', 'is empty'],
  ];
  it.each(hostile)('refuses the hostile value %j before editing anything', (value, why) => {
    let caught: unknown;
    try {
      patchDefinition(DEFINITION, [change('VERSION', '2.15.1-1+deb13u1', value)], 'image/demo/debian-13/2.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PipelineError);
    expect((caught as PipelineError).code).toBe('invalid-var-value');
    expect((caught as Error).message).toContain('image/demo/debian-13/2.yaml: change 1: VERSION new value');
    expect((caught as Error).message).toContain(why);
  });

  it('refuses a hostile variable name', () => {
    expect(() => patchDefinition(DEFINITION, [change('version; rm', '1', '2')], 'x.yaml')).toThrow(
      /variable name "version; rm" is not UPPER_SNAKE_CASE/,
    );
  });

  it('refuses YAML that does not parse, naming the file, line and column', () => {
    expect(() => patchDefinition('vars:\n  A: 1\n  A: 2\n', [change('A', '1', '2')], 'dup.yaml')).toThrow(
      /^dup\.yaml:3:3: /,
    );
    expect(() => patchDefinition('vars: [unclosed\n', [change('A', '1', '2')], 'bad.yaml')).toThrow(
      /^bad\.yaml:\d+:\d+: /,
    );
  });
});
