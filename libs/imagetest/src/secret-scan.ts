import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** A secret found in a file: what kind and where, never the secret itself. */
export interface SecretHit {
  kind: string;
  line: number;
}

/**
 * The body of a PEM-style block after its header: optional `Name: value` header lines (e.g.
 * Proc-Type, DEK-Info), then at least 40 base64 characters, then the END line. A header alone
 * is no key: TLS libraries (libgnutls, libssl) hold `-----BEGIN RSA PRIVATE KEY-----` as a
 * string to parse keys with. The character classes exclude `-`, so a match is linear.
 */
const BLOCK_BODY = String.raw`\r?\n(?:[A-Za-z][A-Za-z0-9-]{0,40}: [^\r\n]{0,200}\r?\n)*\r?\n?[A-Za-z0-9+/=\r\n]{40,}-----END `;

/** What is looked for. Patterns are linear (no nested quantifiers over the same text) and bounded. */
const PATTERNS: readonly { kind: string; re: RegExp }[] = [
  { kind: 'openssh-private-key', re: new RegExp(`-----BEGIN OPENSSH PRIVATE KEY-----${BLOCK_BODY}`, 'g') },
  { kind: 'pgp-private-key', re: new RegExp(`-----BEGIN PGP PRIVATE KEY BLOCK-----${BLOCK_BODY}`, 'g') },
  {
    kind: 'pem-private-key',
    re: new RegExp(`-----BEGIN (?:(?:RSA|DSA|EC|ENCRYPTED|ANY) )?PRIVATE KEY-----${BLOCK_BODY}`, 'g'),
  },
  { kind: 'aws-access-key-id', re: /(?<![A-Z0-9])AKIA[0-9A-Z]{16}(?![A-Z0-9])/g },
  { kind: 'github-token', re: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g },
  {
    kind: 'github-fine-grained-token',
    re: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])/g,
  },
];

/** At most this many hits are reported per file. */
const MAX_HITS_PER_FILE = 10;

/**
 * The secrets in the regular file `path` of `root` (opened with O_NOFOLLOW, read whole: the
 * caller keeps to files up to its size cap). Read as latin1, so binaries are searched too.
 */
export async function scanFileForSecrets(root: string, path: string): Promise<SecretHit[]> {
  const handle = await open(join(root, path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  let text: string;
  try {
    text = (await handle.readFile()).toString('latin1');
  } finally {
    await handle.close();
  }
  const hits: SecretHit[] = [];
  for (const { kind, re } of PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null && hits.length < MAX_HITS_PER_FILE; m = re.exec(text)) {
      hits.push({ kind, line: lineOf(text, m.index) });
    }
  }
  return hits;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
