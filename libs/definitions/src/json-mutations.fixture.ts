/**
 * Test helper (not a test, not built): deterministic mutations of JSON documents, to derive
 * invalid (and some still valid) definitions from real ones.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonPath = (string | number)[];

/** A seeded pseudo-random generator (mulberry32): the same seed, the same mutations. */
export class Rng {
  constructor(private state: number) {}

  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
}

const isMapping = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every node of a document with its path, root first. */
export function nodesOf(doc: Json): { path: JsonPath; value: Json }[] {
  const out: { path: JsonPath; value: Json }[] = [];
  const walk = (value: Json, path: JsonPath) => {
    out.push({ path, value });
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (isMapping(value)) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(doc, []);
  return out;
}

/** A copy of `doc` with the node at `path` replaced (undefined: removed). */
export function withNode(doc: Json, path: JsonPath, value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  const copy = structuredClone(doc);
  let parent: Json = copy;
  for (const segment of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[segment] as Json;
  const last = path[path.length - 1] as string | number;
  if (Array.isArray(parent) && typeof last === 'number') {
    if (value === undefined) parent.splice(last, 1);
    else parent[last] = value;
  } else if (isMapping(parent)) {
    if (value === undefined) delete parent[last];
    else parent[last] = value;
  }
  return copy;
}

/** Values of every JSON type, to put where another type belongs. */
const SAMPLES: Json[] = [
  'text',
  '42',
  42,
  1.5,
  -1,
  true,
  false,
  null,
  [],
  ['a'],
  [1],
  {},
  { a: 'b' },
  { type: 'file' },
];

const typeOf = (v: Json) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Keys whose values are enums somewhere in spec.json or info.spec.json. */
const ENUM_KEYS = new Set([
  'variant',
  'compression',
  'output',
  'entitlement',
  'type',
  'sharing',
  'value',
  'use',
  'selection',
  'format',
]);
const ENUM_LISTS = new Set(['platforms', 'categories']);
const INTEGER_KEYS = new Set(['uid', 'gid', 'exit-code', 'timeout']);

/** Kinds of mutation; each returns undefined when it does not apply to the document. */
export const MUTATIONS: Record<string, (doc: Json, rng: Rng) => { path: JsonPath; doc: Json } | undefined> = {
  'delete-key': (doc, rng) => {
    const keyed = nodesOf(doc).filter((n) => n.path.length > 0 && typeof n.path[n.path.length - 1] === 'string');
    if (!keyed.length) return undefined;
    const { path } = rng.pick(keyed);
    return { path, doc: withNode(doc, path, undefined) };
  },
  'add-unknown-key': (doc, rng) => {
    const maps = nodesOf(doc).filter((n) => isMapping(n.value));
    if (!maps.length) return undefined;
    const path = [...rng.pick(maps).path, rng.pick(['x-extra', 'Name', 'packges', 'run_as'])];
    return { path, doc: withNode(doc, path, 'value') };
  },
  'change-type': (doc, rng) => {
    const inner = nodesOf(doc).filter((n) => n.path.length > 0);
    if (!inner.length) return undefined;
    const { path, value } = rng.pick(inner);
    return { path, doc: withNode(doc, path, rng.pick(SAMPLES.filter((s) => typeOf(s) !== typeOf(value)))) };
  },
  'break-enum': (doc, rng) => {
    const enums = nodesOf(doc).filter((n) => {
      const key = n.path[n.path.length - 1];
      const parentKey = n.path[n.path.length - 2];
      return (
        typeof n.value === 'string' &&
        ((typeof key === 'string' && ENUM_KEYS.has(key)) ||
          (typeof parentKey === 'string' && ENUM_LISTS.has(parentKey)))
      );
    });
    const path = enums.length ? rng.pick(enums).path : ['variant'];
    return { path, doc: withNode(doc, path, rng.pick(['bogus', 'Runtime', 'linux/riscv64', ''])) };
  },
  'break-pattern': (doc, rng) => {
    if (!isMapping(doc)) return undefined;
    const path = ['os-release', 'id-like'];
    const base = isMapping(doc['os-release']) ? doc : withNode(doc, ['os-release'], {});
    return {
      path,
      doc: withNode(
        base,
        path,
        rng.pick(['Debian', 'debian  linux', 'debian\nlinux', '', 'debian ', 'debian linux', 'rhel.9_x']),
      ),
    };
  },
  'break-integer': (doc, rng) => {
    const ints = nodesOf(doc).filter(
      (n) => INTEGER_KEYS.has(String(n.path[n.path.length - 1])) && typeof n.value === 'number',
    );
    if (!ints.length) return undefined;
    const { path } = rng.pick(ints);
    return { path, doc: withNode(doc, path, rng.pick([1.5, '1000', -7, 0, 2 ** 53 + 2, 1e300, 65532.0])) };
  },
  'move-subtree': (doc, rng) => {
    const inner = nodesOf(doc).filter((n) => n.path.length > 0);
    if (inner.length < 2) return undefined;
    const from = rng.pick(inner);
    const to = rng.pick(inner);
    return { path: to.path, doc: withNode(doc, to.path, from.value) };
  },
};

/** A random mutation of one of the kinds (cycling through them by `index`). */
export function mutateDocument(
  doc: Json,
  rng: Rng,
  index: number,
  kinds = Object.keys(MUTATIONS),
): { kind: string; path: JsonPath; doc: Json } {
  for (let attempt = 0; attempt < kinds.length; attempt++) {
    const kind = kinds[(index + attempt) % kinds.length] as string;
    const result = (MUTATIONS[kind] as (typeof MUTATIONS)[string])(doc, rng);
    if (result) return { kind, ...result };
  }
  throw new Error('no mutation applies');
}
