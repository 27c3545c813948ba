import { hasControlCharacter, quoteInput } from '@patch-factory/contracts';
import { MAX_INPUT_LENGTH } from './safe-match';

/** The hostile-text helpers live in libs/contracts (one copy); the sources' callers reach them here too. */
export { hasControlCharacter };
import type { RejectReason, Rejection } from './source';

/** Tags and variable values we keep: printable ASCII without spaces, quotes, `$`, `;`, backticks, `<>`, `\`. */
const SAFE = /^[A-Za-z0-9._+@:/~=-]+$/;
/** Release titles may also hold single spaces and parentheses ("v1.2.3 (LTS)"). */
const SAFE_TITLE = /^[A-Za-z0-9._+@:/~=()-]+(?: [A-Za-z0-9._+@:/~=()-]+)*$/;
/** What a version looks like: starts with a letter or digit, holds a digit, at most 128 characters (`:` for Debian epochs). */
const VERSION = /^(?=[^\d]*\d)[A-Za-z0-9][A-Za-z0-9._+~:-]{0,127}$/;

/** A rejection of `value` for `reason`. */
export function reject(value: unknown, reason: RejectReason): Rejection {
  return { value: quoteInput(value), reason };
}

/** A screened value, or why it was dropped. */
export type Screened = { ok: string } | { reason: RejectReason };

/**
 * Screen an upstream tag, title or value before any pattern sees it: a non-empty string of at
 * most MAX_INPUT_LENGTH characters, no control characters, only SAFE characters (SAFE_TITLE
 * for a release title).
 */
export function screenName(value: unknown, kind: 'tag' | 'title' = 'tag'): Screened {
  if (typeof value !== 'string' || value === '') return { reason: 'not-a-string' };
  if (value.length > MAX_INPUT_LENGTH) return { reason: 'too-long' };
  if (hasControlCharacter(value)) return { reason: 'control-character' };
  if (!(kind === 'title' ? SAFE_TITLE : SAFE).test(value)) return { reason: 'unsafe-characters' };
  return { ok: value };
}

/** True when `value` looks like a version (see VERSION). */
export function isVersion(value: string): boolean {
  return VERSION.test(value);
}

/** A full commit id (SHA-1 or SHA-256, lower-case hex). */
export function isCommit(value: unknown): value is string {
  return typeof value === 'string' && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value);
}
