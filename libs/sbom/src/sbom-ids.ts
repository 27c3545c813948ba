import { shown } from '@patch-factory/contracts';
import { createHash } from 'node:crypto';
import { SbomErrorCode, sbomTerminal } from './sbom-errors';

/** A name-based UUID (RFC 4122 version 5 layout, from SHA-256 of `name`): the same name, the same id. */
export function hashUuid(name: string): string {
  const b = createHash('sha256').update(name).digest().subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Checks an RFC 3339 UTC timestamp without fractions (`2024-01-02T03:04:05Z`), as both formats take it. */
export function checkTimestamp(value: string, field: string): string {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw sbomTerminal(
      SbomErrorCode.inputInvalid,
      `SBOM ${field} "${shown(String(value), 40)}" is not an RFC 3339 UTC time like 2024-01-02T03:04:05Z`,
    );
  }
  return value;
}

/** The JSON text of an SBOM: two-space indent, a final newline (objects are built in a fixed key order). */
export function sbomJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
