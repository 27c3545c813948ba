import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * For tests: a real APT repository in a temp dir, two tiny
 * .debs built with dpkg-deb, signed by a throwaway gpg key, served on 127.0.0.1.
 */
export interface TestAptRepo {
  root: string;
  baseUrl: string;
  /** The public key of the signing key, for gpgv. */
  keyring: string;
  /** Another key's public keyring (for "signed by a key not in the keyring"). */
  otherKeyring: string;
  packagesText: string;
  /** Writes dists/<suite> signed by `signer`; see the options. */
  writeSuite(suite: string, o?: SuiteOptions): string;
  close(): Promise<void>;
}

export interface SuiteOptions {
  signer?: 'repo' | 'other' | 'none';
  forms?: ('none' | 'gz' | 'xz' | 'lz4')[];
  validUntil?: Date;
  inRelease?: boolean;
  detached?: boolean;
}

const DEBS = [
  { name: 'hello-pf', version: '1.0-1', depends: 'libc6 (>= 2.34)' },
  { name: 'hello-pf', version: '1.0-2', depends: 'libc6 (>= 2.34)' },
  { name: 'tool-pf', version: '2:0.9~rc1-1', depends: 'hello-pf (= 1.0-2)' },
];

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv, input?: Buffer): Buffer {
  return execFileSync(cmd, args, { env: { ...process.env, ...env }, input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
}

const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', 'UTC');

export async function startTestAptRepo(): Promise<TestAptRepo> {
  const root = mkdtempSync(join(tmpdir(), 'pf-apt-'));
  const gnupg = join(root, 'gnupg');
  mkdirSync(gnupg);
  chmodSync(gnupg, 0o700);
  const env = { GNUPGHOME: gnupg };
  const gpg = (...args: string[]) => run('gpg', ['--batch', '--quiet', '--passphrase', '', '--pinentry-mode', 'loopback', ...args], env);
  gpg('--quick-gen-key', 'PF Test Repo <repo@example.test>', 'ed25519', 'sign', '1d');
  gpg('--quick-gen-key', 'PF Other <other@example.test>', 'ed25519', 'sign', '1d');
  const keyring = join(root, 'repo-keyring.gpg');
  const otherKeyring = join(root, 'other-keyring.gpg');
  writeFileSync(keyring, gpg('--export', 'repo@example.test'));
  writeFileSync(otherKeyring, gpg('--export', 'other@example.test'));

  const www = join(root, 'www');
  const stanzas: string[] = [];
  for (const d of DEBS) {
    const src = join(root, 'build', `${d.name}-${d.version.replace(':', '_')}`);
    mkdirSync(join(src, 'DEBIAN'), { recursive: true });
    mkdirSync(join(src, 'usr/share/doc', d.name), { recursive: true });
    writeFileSync(join(src, 'usr/share/doc', d.name, 'README'), `${d.name} ${d.version}\n`);
    const control = `Package: ${d.name}\nVersion: ${d.version}\nArchitecture: amd64\nMaintainer: PF <pf@example.test>\nDepends: ${d.depends}\nDescription: test package\n a tiny package for the APT client tests\n`;
    writeFileSync(join(src, 'DEBIAN/control'), control);
    const filename = `pool/main/${d.name[0]}/${d.name}/${d.name}_${d.version.replace(/^\d+:/, '')}_amd64.deb`;
    mkdirSync(dirname(join(www, filename)), { recursive: true });
    run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', src, join(www, filename)]);
    const deb = readFileSync(join(www, filename));
    stanzas.push(`${control}Filename: ${filename}\nSize: ${deb.length}\nSHA256: ${createHash('sha256').update(deb).digest('hex')}\n`);
  }
  const packagesText = stanzas.join('\n');

  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/'));
    if (path.includes('..')) return void res.writeHead(400).end();
    try {
      const body = readFileSync(join(www, path));
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const writeSuite = (suite: string, o: SuiteOptions = {}) => {
    const dir = join(www, 'dists', suite);
    const bin = join(dir, 'main/binary-amd64');
    mkdirSync(bin, { recursive: true });
    const plain = Buffer.from(packagesText);
    const bodies: Record<string, Buffer> = {
      none: plain,
      gz: gzipSync(plain),
      xz: run('xz', ['-c'], undefined, plain),
      lz4: run('lz4', ['-c', '-q'], undefined, plain),
    };
    const suffix: Record<string, string> = { none: '', gz: '.gz', xz: '.xz', lz4: '.lz4' };
    const lines: string[] = [];
    for (const form of o.forms ?? ['none', 'gz', 'xz']) {
      const body = bodies[form] as Buffer;
      const name = `main/binary-amd64/Packages${suffix[form] ?? ''}`;
      writeFileSync(join(dir, name), body);
      lines.push(` ${createHash('sha256').update(body).digest('hex')} ${String(body.length).padStart(8)} ${name}`);
    }
    const now = new Date();
    const release = [
      'Origin: PF Test',
      'Label: PF Test',
      `Suite: ${suite}`,
      `Codename: ${suite}`,
      `Date: ${rfc2822(now)}`,
      `Valid-Until: ${rfc2822(o.validUntil ?? new Date(now.getTime() + 7 * 86_400_000))}`,
      'Architectures: amd64',
      'Components: main',
      'SHA256:',
      ...lines,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'Release'), release);
    const signer = o.signer ?? 'repo';
    if (signer !== 'none') {
      const user = signer === 'repo' ? 'repo@example.test' : 'other@example.test';
      if (o.inRelease ?? true) gpg('--local-user', user, '--clearsign', '--output', join(dir, 'InRelease'), join(dir, 'Release'));
      if (o.detached ?? true) gpg('--local-user', user, '--detach-sign', '--output', join(dir, 'Release.gpg'), join(dir, 'Release'));
    }
    return dir;
  };

  return {
    root,
    baseUrl,
    keyring,
    otherKeyring,
    packagesText,
    writeSuite,
    close: async () => {
      await new Promise<void>((ok) => server.close(() => ok()));
      // gpg-agent started by gpg: stop it before its home goes away.
      try {
        run('gpgconf', ['--kill', 'gpg-agent'], env);
      } catch {
        // no agent running
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
