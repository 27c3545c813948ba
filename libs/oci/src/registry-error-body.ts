/** One entry of a distribution-spec error body (`{"errors":[{"code","message","detail"}]}`). */
export interface RegistryErrorEntry {
  code: string;
  message?: string;
}

/** Most entries and characters read from an error body (it is the registry's text, quoted in errors). */
const MAX_ENTRIES = 8;
const MAX_TEXT = 200;

/**
 * The error codes and messages of a distribution-spec error body; [] when the body is not one
 * (not JSON, no `errors` array, entries without a string `code`). Codes are upper-case
 * identifiers; longer or stranger strings are dropped, messages are cut.
 */
export function registryErrors(body: Buffer | undefined): RegistryErrorEntry[] {
  if (!body || body.length === 0 || body.length > 64 * 1024) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const errors =
    typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['errors'] : undefined;
  if (!Array.isArray(errors)) return [];
  const out: RegistryErrorEntry[] = [];
  for (const e of errors.slice(0, MAX_ENTRIES) as unknown[]) {
    if (typeof e !== 'object' || e === null) continue;
    const { code, message } = e as Record<string, unknown>;
    if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]{0,63}$/.test(code)) continue;
    out.push({ code, ...(typeof message === 'string' ? { message: printable(message).slice(0, MAX_TEXT) } : {}) });
  }
  return out;
}

/**
 * The codes a registry answers with a 400 while another upload of the same content is landing
 * (a manifest put whose blobs a concurrent push has not finished, a blob upload finalised while
 * another session commits the same digest): the same request succeeds a moment later.
 */
const UPLOAD_RACE_CODES = new Set(['MANIFEST_BLOB_UNKNOWN', 'BLOB_UNKNOWN', 'DIGEST_INVALID']);

/** True for a 400 whose codes are all upload-race codes (at least one): worth retrying with backoff. Any other 400 is final. */
export function isUploadRace(status: number, errors: readonly RegistryErrorEntry[]): boolean {
  return status === 400 && errors.length > 0 && errors.every((e) => UPLOAD_RACE_CODES.has(e.code));
}

/** `CODE: message; CODE2: message2` for an error message; '' when there are none. */
export function describeRegistryErrors(errors: readonly RegistryErrorEntry[]): string {
  return errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('; ');
}

/** `text` with control characters replaced by spaces (it is quoted in log lines and errors). */
function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    out += c < 0x20 || c === 0x7f ? ' ' : ch;
  }
  return out;
}
