import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-f]{64})$/;

/**
 * Checks GitHub's `X-Hub-Signature-256` header (`sha256=<hex HMAC-SHA256 of the raw body>`)
 * in constant time. Returns undefined when it matches, or why it does not.
 */
export function githubSignatureProblem(secret: string, body: Buffer, header: string | undefined): string | undefined {
  if (header === undefined || header === '') return 'the X-Hub-Signature-256 header is missing';
  const m = HEADER.exec(header);
  if (!m) return 'the X-Hub-Signature-256 header is not sha256=<64 hex digits>';
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(m[1] as string, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? undefined
    : 'the X-Hub-Signature-256 signature does not match the body';
}
