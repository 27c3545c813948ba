import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';

/** Serves exactly the files of `files` (URL path → file), read at each request; each requested path is pushed to `requests` when given. */
export function serveAptFiles(files: ReadonlyMap<string, string>, requests?: string[]): Server {
  return createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return void res.writeHead(400).end();
    }
    requests?.push(path);
    const file = files.get(path);
    if (req.method !== 'GET' || file === undefined) return void res.writeHead(file === undefined ? 404 : 405).end();
    stat(file).then(
      (st) => {
        res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
        createReadStream(file).pipe(res);
      },
      () => void res.writeHead(404).end(),
    );
  });
}

/**
 * A throwaway signing key for `userId` (`Name <email>`) in `<root>/gnupg`; its public keyring alone in
 * `<root>/keys/<keyringName>`. `sign` writes the clear-signed InRelease and, when `detached` is given, a detached Release.gpg.
 */
export function makeAptSigner(root: string, userId: { name: string; email: string }, keyringName: string) {
  const gnupg = join(root, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  chmodSync(gnupg, 0o700);
  const env = { ...process.env, GNUPGHOME: gnupg };
  const gpg = (...args: string[]) =>
    execFileSync('gpg', ['--batch', '--quiet', '--passphrase', '', '--pinentry-mode', 'loopback', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  gpg('--quick-gen-key', `${userId.name} <${userId.email}>`, 'ed25519', 'sign', '1d');
  const keyringDir = join(root, 'keys');
  mkdirSync(keyringDir);
  writeFileSync(join(keyringDir, keyringName), gpg('--export', userId.email));
  return {
    keyringDir,
    sign: (release: string, inRelease: string, detached?: string) => {
      gpg('--local-user', userId.email, '--clearsign', '--output', inRelease, release);
      if (detached !== undefined) gpg('--local-user', userId.email, '--detach-sign', '--output', detached, release);
    },
    stopAgent: () => {
      try {
        execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore', timeout: 10_000 });
      } catch {
        // no agent running
      }
    },
  };
}

/**
 * Writes `main/binary-<arch>/Packages` and `Packages.xz` (from `plain`) under `dists` (the suite's directory), adds them to
 * `files` under `/dists/<suite>/…`, and returns their SHA256 lines for the Release file.
 */
export function writePackagesIndexes(dists: string, suite: string, arch: string, plain: Buffer, files: Map<string, string>): string[] {
  const bodies = { [`main/binary-${arch}/Packages`]: plain, [`main/binary-${arch}/Packages.xz`]: execFileSync('xz', ['-c'], { input: plain, maxBuffer: 256 * 1024 * 1024 }) };
  const listed: string[] = [];
  for (const [path, body] of Object.entries(bodies)) {
    const file = join(dists, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
    files.set(`/dists/${suite}/${path}`, file);
    listed.push(` ${createHash('sha256').update(body).digest('hex')} ${String(body.length).padStart(9)} ${path}`);
  }
  return listed;
}

/** The text of a suite's Release file (one `main` component, valid for a week) listing the `listed` SHA256 lines. */
export function releaseText(label: string, suite: string, architectures: readonly string[], listed: readonly string[]): string {
  const now = new Date();
  const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', 'UTC');
  return [
    `Origin: ${label}`,
    `Label: ${label}`,
    `Suite: ${suite}`,
    `Codename: ${suite}`,
    `Date: ${rfc2822(now)}`,
    `Valid-Until: ${rfc2822(new Date(now.getTime() + 7 * 86_400_000))}`,
    `Architectures: ${architectures.join(' ')}`,
    'Components: main',
    'SHA256:',
    ...listed,
    '',
  ].join('\n');
}
