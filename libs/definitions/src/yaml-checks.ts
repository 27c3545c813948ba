import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  type Alias,
  type LineCounter,
  type Node,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import type { DefinitionIssueCode } from './definitions-errors';

/** Tags that mean what plain YAML already means; any other tag is refused. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** A problem found in the YAML tree, at a source offset. */
export interface TreeProblem {
  code: DefinitionIssueCode;
  offset: number;
  path: PropertyKey[];
  message: string;
}

/** What {@link checkYamlTree} found. */
export interface TreeCheck {
  problems: TreeProblem[];
  /** The node each alias stands for. */
  aliases: Map<Alias, Node>;
  /** The first alias in the file, where an alias bomb is reported. */
  firstAlias: Alias | undefined;
}

/**
 * Checks that a parsed YAML tree maps onto JSON data one to one, so that what the schema sees
 * is what the file says: string keys only (no `1:`, `null:`, `[a, b]:` or alias keys), no
 * duplicate keys, no `__proto__` key, no tags beyond the core ones, finite numbers only,
 * integers that are exact, aliases that point back at a finished anchored node (no cycles),
 * and nesting no deeper than `maxDepth`. Recursion is bounded by `maxDepth`.
 */
export function checkYamlTree(root: unknown, lineCounter: LineCounter, text: string, maxDepth: number): TreeCheck {
  const walker = new TreeWalker(lineCounter, text, maxDepth);
  walker.visit(root, [], 0);
  return { problems: walker.problems, aliases: walker.aliases, firstAlias: walker.firstAlias };
}

class TreeWalker {
  readonly problems: TreeProblem[] = [];
  readonly aliases = new Map<Alias, Node>();
  firstAlias: Alias | undefined;
  private readonly anchors = new Map<string, { node: Node; open: boolean }>();

  constructor(
    private readonly lineCounter: LineCounter,
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  visit(node: unknown, path: PropertyKey[], depth: number): void {
    if (node === null || node === undefined) return;
    if (isAlias(node)) return this.alias(node, path);
    if (!isScalar(node) && !isMap(node) && !isSeq(node)) return;
    const anchor = node.anchor ? { node, open: true } : undefined;
    if (anchor && node.anchor) this.anchors.set(node.anchor, anchor);
    this.tag(node, path);
    if (isScalar(node)) this.scalar(node, path);
    else if (depth >= this.maxDepth) this.add('too-deep', node, path, `nested deeper than ${this.maxDepth} levels`);
    else if (isMap(node)) this.map(node, path, depth);
    else this.seq(node, path, depth);
    if (anchor) anchor.open = false;
  }

  private alias(node: Alias, path: PropertyKey[]): void {
    this.firstAlias ??= node;
    const target = this.anchors.get(node.source);
    if (!target) this.add('alias', node, path, `the alias *${node.source} has no anchor &${node.source} before it`);
    else if (target.open)
      this.add('alias', node, path, `the alias *${node.source} is inside the node anchored &${node.source} (a cycle)`);
    else this.aliases.set(node, target.node);
  }

  private map(node: YAMLMap, path: PropertyKey[], depth: number): void {
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const key = pair.key;
      if (!isScalar(key)) {
        const what = isAlias(key) ? 'an alias as a key' : 'a mapping or sequence as a key';
        this.add('unsupported-yaml', isNode(key) ? key : node, path, `${what} is not supported: keys must be strings`);
        continue;
      }
      this.tag(key, path);
      if (typeof key.value !== 'string') {
        this.add(
          'unsupported-yaml',
          key,
          path,
          `the key ${this.source(key)} is ${key.value === null ? 'null' : `a ${typeof key.value}`}: keys must be strings (quote it)`,
        );
        continue;
      }
      const name = key.value;
      if (name === '__proto__') {
        this.add('unsupported-yaml', key, path, 'the key "__proto__" is not allowed');
        continue;
      }
      const first = seen.get(name);
      if (first !== undefined) {
        this.add(
          'duplicate-key',
          key,
          path,
          `duplicate key ${JSON.stringify(name)} (first at line ${this.lineCounter.linePos(first).line})`,
        );
      } else seen.set(name, key.range?.[0] ?? 0);
      this.visit(pair.value, [...path, name], depth + 1);
    }
  }

  private seq(node: YAMLSeq, path: PropertyKey[], depth: number): void {
    node.items.forEach((item, i) => this.visit(item, [...path, i], depth + 1));
  }

  private scalar(node: Scalar, path: PropertyKey[]): void {
    const value = node.value;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
    if (typeof value !== 'number') {
      this.add('unsupported-yaml', node, path, `a value of type ${typeof value} is not supported`);
    } else if (!Number.isFinite(value)) {
      this.add(
        'unsupported-yaml',
        node,
        path,
        `${this.source(node)} is not a finite number (JSON has no infinity or NaN); quote it if it is text`,
      );
    } else if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      this.add(
        'unsupported-yaml',
        node,
        path,
        `the number ${this.source(node)} is too large to be exact (beyond 2^53); quote it if it is text`,
      );
    }
  }

  private tag(node: Node, path: PropertyKey[]): void {
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      const tag = node.tag.replace(/^tag:yaml\.org,2002:/, '!!');
      this.add('unsupported-yaml', node, path, `the tag ${tag} is not supported: catalog files are plain YAML`);
    }
  }

  private source(node: Node): string {
    const [start, end] = node.range ?? [0, 0];
    const raw = this.text.slice(start, Math.min(end, start + 40));
    return JSON.stringify(raw);
  }

  private add(code: DefinitionIssueCode, node: Node, path: PropertyKey[], message: string): void {
    this.problems.push({ code, offset: node.range?.[0] ?? 0, path, message });
  }
}
