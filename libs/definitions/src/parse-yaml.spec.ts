import { formatDefinitionError, type DefinitionError } from './definitions-errors';
import { parseCatalogYaml } from './parse-yaml';

/** The YAML layer: hostile or malformed input comes back as errors with positions, never as a throw. */

const FILE = 'image/x/debian-13/1.yaml';

function errorsOf(input: string | Uint8Array, limits = {}): string[] {
  const parsed = parseCatalogYaml(input, FILE, limits);
  return parsed.ok ? [] : parsed.errors.map(formatDefinitionError);
}

function codesOf(input: string | Uint8Array, limits = {}): DefinitionError['code'][] {
  const parsed = parseCatalogYaml(input, FILE, limits);
  return parsed.ok ? [] : parsed.errors.map((e) => e.code);
}

describe('parseCatalogYaml', () => {
  it('keeps the source range of every node and converts offsets to 1-based lines and columns', () => {
    const parsed = parseCatalogYaml('name: x\nvars:\n  A: "1"\n', FILE);
    if (!parsed.ok) throw new Error('expected a parse');
    expect(parsed.source.value).toEqual({ name: 'x', vars: { A: '1' } });
    expect(parsed.source.lineCounter.linePos(parsed.source.text.indexOf('"1"'))).toEqual({ line: 3, col: 6 });
  });

  it('reports malformed YAML with file, line and column', () => {
    expect(errorsOf('name: x\ntags: [a,\n')).toEqual([
      `${FILE}:3:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
    expect(errorsOf('name: "unterminated\n')).toEqual([`${FILE}:2:1: YAML syntax: Missing closing "quote`]);
    expect(errorsOf('a: b: c\n')).toEqual([expect.stringMatching(new RegExp(`^${FILE}:1:4: YAML syntax: `))]);
  });

  it('refuses duplicate keys, naming the first one', () => {
    expect(errorsOf('name: a\nvars:\n  A: "1"\n  A: "2"\nname: b\n')).toEqual([
      `${FILE}:4:3: vars: duplicate key "A" (first at line 3)`,
      `${FILE}:5:1: duplicate key "name" (first at line 1)`,
    ]);
  });

  it('refuses more than one document', () => {
    expect(errorsOf('name: a\n---\nname: b\n')).toEqual([
      `${FILE}:2:1: more than one YAML document (a "---" line): a catalog file holds exactly one`,
    ]);
  });

  it('expands a few aliases but refuses an alias bomb, at the first alias', () => {
    const ok = parseCatalogYaml('x: &p [bash, curl]\ny: *p\nz: *p\n', FILE);
    expect(ok.ok && ok.source.value).toEqual({ x: ['bash', 'curl'], y: ['bash', 'curl'], z: ['bash', 'curl'] });
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const prev = String.fromCharCode('a'.charCodeAt(0) + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const started = Date.now();
    expect(errorsOf(`${levels.join('\n')}\n`)).toEqual([
      `${FILE}:2:8: the aliases expand too far (the limit is 100): refusing a possible alias bomb`,
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses aliases that point nowhere or into their own anchored node', () => {
    expect(errorsOf('a: *nowhere\n')).toEqual([`${FILE}:1:4: a: the alias *nowhere has no anchor &nowhere before it`]);
    expect(errorsOf('a: &a [1, *a]\n')).toEqual([
      `${FILE}:1:11: a[1]: the alias *a is inside the node anchored &a (a cycle)`,
    ]);
  });

  it('refuses files over the size cap before parsing them, as text or bytes', () => {
    const big = `name: ${'x'.repeat(2000)}\n`;
    expect(errorsOf(big, { maxBytes: 1024 })).toEqual([
      `${FILE}:1:1: the file is ${big.length} bytes, more than the limit of 1024 bytes`,
    ]);
    expect(codesOf(Buffer.from(big), { maxBytes: 1024 })).toEqual(['file-too-large']);
    expect(codesOf('name: é\n', { maxBytes: 8 })).toEqual(['file-too-large']);
    expect(codesOf('name: é\n', { maxBytes: 9 })).toEqual([]);
  });

  it('refuses bytes that are not UTF-8, and drops a byte-order mark', () => {
    expect(errorsOf(Buffer.from([0x6e, 0x3a, 0x20, 0xff, 0xfe, 0x0a]))).toEqual([
      `${FILE}:1:1: the file is not UTF-8 text`,
    ]);
    const bom = parseCatalogYaml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name: x\n')]), FILE);
    expect(bom.ok && bom.source.value).toEqual({ name: 'x' });
  });

  it('refuses YAML that has no JSON equivalent, naming where', () => {
    const text =
      'name: !!binary aGk=\nuser: !local x\nvars: {1: x, null: y, ? [a]: b, *k : z}\n__proto__: {}\nx: .inf\ny: .nan\nz: 123456789012345678901234\nok: !!str 12\n';
    expect(errorsOf(text)).toEqual([
      `${FILE}:1:16: name: the tag !!binary is not supported: catalog files are plain YAML`,
      `${FILE}:2:14: user: the tag !local is not supported: catalog files are plain YAML`,
      `${FILE}:3:8: vars: the key "1" is a number: keys must be strings (quote it)`,
      `${FILE}:3:14: vars: the key "null" is null: keys must be strings (quote it)`,
      `${FILE}:3:25: vars: a mapping or sequence as a key is not supported: keys must be strings`,
      `${FILE}:3:33: vars: an alias as a key is not supported: keys must be strings`,
      `${FILE}:4:1: the key "__proto__" is not allowed`,
      `${FILE}:5:4: x: ".inf" is not a finite number (JSON has no infinity or NaN); quote it if it is text`,
      `${FILE}:6:4: y: ".nan" is not a finite number (JSON has no infinity or NaN); quote it if it is text`,
      `${FILE}:7:4: z: the number "123456789012345678901234" is too large to be exact (beyond 2^53); quote it if it is text`,
    ]);
    const ok = parseCatalogYaml('ok: !!str 12\nn: 9007199254740991\nf: 1.5e3\n', FILE);
    expect(ok.ok && ok.source.value).toEqual({ ok: '12', n: 9007199254740991, f: 1500 });
  });

  it('reads YAML 1.2: yes/no/on/off and dates stay strings, no merge keys', () => {
    const parsed = parseCatalogYaml('%YAML 1.1\n---\na: yes\nb: 2025-06-24\nc: 0o17\n"<<": {d: 1}\n', FILE);
    expect(parsed.ok && parsed.source.value).toEqual({ a: 'yes', b: '2025-06-24', c: 15, '<<': { d: 1 } });
  });

  it('refuses nesting deeper than the cap, and survives nesting far deeper than that', () => {
    const nested = (n: number) => `a: ${'['.repeat(n)}${']'.repeat(n)}\n`;
    expect(codesOf(nested(10), { maxDepth: 4 })).toEqual(['too-deep']);
    expect(errorsOf(nested(10), { maxDepth: 4 })).toEqual([`${FILE}:1:7: a[0][0][0]: nested deeper than 4 levels`]);
    expect(codesOf(nested(100))).toEqual(['too-deep']);
    expect(codesOf(nested(5000)).length).toBeGreaterThan(0);
  });

  it('lists at most maxErrors problems', () => {
    const text = Array.from({ length: 30 }, () => 'a: 1').join('\n');
    const errors = errorsOf(text, { maxErrors: 3 });
    expect(errors).toHaveLength(4);
    expect(errors[3]).toBe(`${FILE}:5:1: 26 more errors not shown`);
  });
});
