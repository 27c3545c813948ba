import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { YamlSource } from './yaml-source';

/**
 * The source offset of the node at `path` (or of its key, with `atKey`). Where the path leads
 * past the document (a missing key), the deepest node that exists; an empty value (`key:`
 * with nothing after it) is located at its key.
 */
export function offsetOf(source: YamlSource, path: readonly PropertyKey[], atKey = false): number {
  let node: unknown = source.document.contents;
  let offset = startOf(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isAlias(node)) node = source.aliases.get(node);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === String(segment));
      if (!pair) break;
      const keyOffset = startOf(pair.key) ?? offset;
      if (atKey && i === path.length - 1) return keyOffset;
      node = pair.value;
      offset =
        isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1]
          ? keyOffset
          : (startOf(node) ?? keyOffset);
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      node = item;
      offset = startOf(item) ?? offset;
    } else break;
  }
  return offset;
}

function startOf(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
    const start: unknown = node.range[0];
    return typeof start === 'number' ? start : undefined;
  }
  return undefined;
}
