import type { TarEntry } from '@patch-factory/oci';
import type { RootFs } from './rootfs';

const CERT_DIR = 'usr/share/ca-certificates';
const BUNDLE = 'etc/ssl/certs/ca-certificates.crt';
const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';

export interface CaBundleResult {
  /** Certificates in the bundle, as `mozilla/X.crt` (the ca-certificates.conf names). */
  certificates: string[];
  /** Files under usr/share/ca-certificates that were skipped (not PEM certificates). */
  skipped: string[];
}

const file = (path: string, data: Buffer): TarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  data,
});

/**
 * Does what ca-certificates' postinst (`update-ca-certificates`) does that an image needs,
 * without running it: `etc/ca-certificates.conf` listing every certificate the package ships,
 * `etc/ssl/certs/<name>.pem` links to each, and the bundle `etc/ssl/certs/ca-certificates.crt`
 * (the certificates concatenated in the conf file's order, each ending with a newline), which
 * OpenSSL, GnuTLS, Go and Node read. Does nothing when no certificate is installed. The OpenSSL
 * subject-hash links (`<hash>.0`) are not written: tools that scan a directory of hashed
 * names need them, everything reading the bundle does not.
 */
export function writeCaBundle(rootfs: RootFs): CaBundleResult | undefined {
  const certificates: string[] = [];
  const skipped: string[] = [];
  const parts: Buffer[] = [];
  for (const path of rootfs.subtree(CERT_DIR)) {
    const entry = rootfs.get(path);
    if (entry?.type !== 'file' || !path.endsWith('.crt')) continue;
    const name = path.slice(CERT_DIR.length + 1);
    const text = entry.data.toString('latin1');
    if (!text.includes(PEM_BEGIN) || /[\0]/.test(text)) {
      skipped.push(name);
      continue;
    }
    certificates.push(name);
    parts.push(entry.data, entry.data[entry.data.length - 1] === 0x0a ? Buffer.alloc(0) : Buffer.from('\n'));
  }
  if (certificates.length === 0) return undefined;
  const conf = [
    '# Written by patch-factory at build time (what update-ca-certificates would have done).',
    '# Lines are the certificates of /usr/share/ca-certificates put in the bundle.',
    ...certificates,
    '',
  ].join('\n');
  rootfs.put(file('etc/ca-certificates.conf', Buffer.from(conf, 'utf8')), 'ca-certificates');
  for (const name of certificates) {
    const base = name.slice(name.lastIndexOf('/') + 1).replace(/\.crt$/, '.pem');
    rootfs.put(
      {
        path: `etc/ssl/certs/${base}`,
        type: 'symlink',
        mode: 0o777,
        uid: 0,
        gid: 0,
        mtime: 0,
        linkTarget: `/${CERT_DIR}/${name}`,
        data: Buffer.alloc(0),
      },
      'ca-certificates',
    );
  }
  rootfs.put(file(BUNDLE, Buffer.concat(parts)), 'ca-certificates');
  return { certificates, skipped };
}
