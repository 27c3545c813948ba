import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted (by UTF-16 code unit, recursively) and no whitespace, so the
 * same value always gives the same bytes and the same digest. Refuses values JSON cannot
 * hold faithfully (non-finite numbers, undefined in arrays, functions).
 */
export function canonicalJson(value: unknown): Buffer {
  return Buffer.from(stringify(value, 0), 'utf8');
}

/** `sha256:<hex>` of some bytes. */
export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function stringify(value: unknown, depth: number): string {
  if (depth > 64) throw new Error('canonicalJson: value nested too deeply');
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v: unknown) => stringify(v, depth + 1)).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stringify(record[k], depth + 1)}`).join(',')}}`;
  }
  throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
}
