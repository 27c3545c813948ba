import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RetryableError, TerminalError } from '@patch-factory/contracts';
import { openssl, p256Pem, tempDir, writeKey } from '../signing.fixture';
import { loadKeyFile } from './file/file-key.provider';
import { loadSigningKey } from './key-providers';
import { keyIdOf, loadPublicKey, signingKeyFromPem } from './p256-key';
import { signWith } from './sign-with';
import type { SigningKey } from './signing-key';

async function refusal(p: Promise<unknown>): Promise<TerminalError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TerminalError);
  return error as TerminalError;
}

describe('file: key provider', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a PKCS#8 P-256 key through file: URI; keyId is the sha256 of the SPKI DER; signatures verify with the public key', async () => {
    const { privatePem, publicPem } = p256Pem();
    const path = writeKey(dir, 'pkcs8.pem', privatePem);
    const key = await loadSigningKey(pathToFileURL(path).href);
    expect(key.keyId).toBe(keyIdOf(createPublicKey(publicPem)));
    expect(key.keyId).toMatch(/^[0-9a-f]{64}$/);
    expect(key.publicKeyPem).toBe(publicPem);
    const data = Buffer.from('hello');
    const sig = await key.sign(data);
    expect(sig[0]).toBe(0x30); // DER SEQUENCE
    expect(verify('sha256', data, { key: publicPem, dsaEncoding: 'der' }, sig)).toBe(true);
    expect(verify('sha256', Buffer.from('hellO'), { key: publicPem, dsaEncoding: 'der' }, sig)).toBe(false);
  });

  it('loads a SEC1 key written by openssl, and an encrypted PKCS#8 one with its passphrase (not without, nor with a wrong one)', async () => {
    const sec1 = join(dir, 'sec1.pem');
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', sec1]);
    const sec1Path = writeKey(dir, 'sec1-600.pem', readFileSync(sec1, 'utf8'));
    expect(readFileSync(sec1Path, 'utf8')).toContain('BEGIN EC PRIVATE KEY');
    const a = await loadKeyFile(sec1Path);
    const pub = openssl(['ec', '-in', sec1, '-pubout']);
    expect(a.keyId).toBe(loadPublicKey(pub).keyId);

    const enc = join(dir, 'enc.pem');
    openssl(['pkcs8', '-topk8', '-in', sec1, '-out', enc, '-passout', 'pass:s3cret', '-v2', 'aes-256-cbc']);
    const encPath = writeKey(dir, 'enc-600.pem', readFileSync(enc, 'utf8'));
    const b = await loadKeyFile(encPath, { passphrase: 's3cret' });
    expect(b.keyId).toBe(a.keyId);
    const missing = await refusal(loadKeyFile(encPath));
    expect(missing.code).toBe('signing-key-invalid');
    expect(missing.message).toBe(`${encPath}: is encrypted and no passphrase was given`);
    // Legacy encrypted SEC1 (Proc-Type: 4,ENCRYPTED), as `openssl ec -aes256` writes it.
    const legacy = join(dir, 'legacy.pem');
    openssl(['ec', '-in', sec1, '-out', legacy, '-aes256', '-passout', 'pass:s3cret']);
    const legacyText = readFileSync(legacy, 'utf8');
    expect(legacyText).toContain('Proc-Type: 4,ENCRYPTED');
    expect(
      (await loadKeyFile(writeKey(dir, 'legacy-600.pem', legacyText), { passphrase: Buffer.from('s3cret') })).keyId,
    ).toBe(a.keyId);
    expect((await refusal(loadKeyFile(join(dir, 'legacy-600.pem')))).message).toContain(
      'is encrypted and no passphrase was given',
    );
    const wrong = await refusal(loadKeyFile(encPath, { passphrase: 'nope' }));
    expect(wrong.code).toBe('signing-key-invalid');
    expect(wrong.message).toContain('wrong passphrase');
  });

  it('refuses a key file readable by group or others, saying to chmod 600, without reading it', async () => {
    const { privatePem } = p256Pem();
    const path = writeKey(dir, 'open.pem', privatePem, 0o644);
    const error = await refusal(loadKeyFile(path));
    expect(error.code).toBe('signing-key-permissions');
    expect(error.message).toBe(`${path}: the key file has mode 0644, readable by group or others; run chmod 600 on it`);
    const g = await refusal(loadKeyFile(writeKey(dir, 'group.pem', privatePem, 0o640)));
    expect(g.code).toBe('signing-key-permissions');
  });

  it('refuses RSA, P-384 and Ed25519 keys naming the file and what it holds, never showing key material', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const cases: [string, string, string][] = [
      ['rsa-pkcs8.pem', rsa.export({ type: 'pkcs8', format: 'pem' }).toString(), 'holds an RSA key (2048 bits)'],
      ['rsa-pkcs1.pem', rsa.export({ type: 'pkcs1', format: 'pem' }).toString(), 'holds an RSA key (PKCS#1)'],
      [
        'p384.pem',
        generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
        'holds an EC key on curve secp384r1',
      ],
      [
        'ed25519.pem',
        generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        'holds an Ed25519 key',
      ],
    ];
    for (const [name, pem, what] of cases) {
      const path = writeKey(dir, name, pem);
      const error = await refusal(loadKeyFile(path));
      expect(error.code).toBe('signing-key-unsupported');
      expect(error.message).toContain(path);
      expect(error.message).toContain(what);
      expect(error.message).toContain('only ECDSA P-256');
      const body = pem.split('\n')[1] as string;
      expect(error.message).not.toContain(body.slice(0, 16));
    }
  });

  it('refuses a missing file, a public key given as private, an unknown scheme, and a PEM string given as URI without echoing it', async () => {
    expect((await refusal(loadKeyFile(join(dir, 'absent.pem')))).code).toBe('signing-key-unreadable');
    const { publicPem, privatePem } = p256Pem();
    const pub = await refusal(loadKeyFile(writeKey(dir, 'pub.pem', publicPem)));
    expect(pub.code).toBe('signing-key-invalid');
    expect(pub.message).toContain('found "PUBLIC KEY"');
    const kms = await refusal(loadSigningKey('awskms:///alias/x'));
    expect(kms.code).toBe('signing-key-provider-unknown');
    expect(kms.message).toContain('no key provider for scheme "awskms:" (known: file:)');
    const pasted = await refusal(loadSigningKey(privatePem));
    expect(pasted.message).not.toContain((privatePem.split('\n')[1] as string).slice(0, 16));
    expect(() => signingKeyFromPem('garbage', 'secret store "x"')).toThrow(
      'secret store "x": is not a PEM private key',
    );
  });

  it('a key backend that fails to sign gives a RetryableError naming the key, not its message', async () => {
    const failing: SigningKey = {
      keyId: 'kms-key-1',
      publicKeyPem: p256Pem().publicPem,
      sign: () => Promise.reject(new Error('upstream said: secret-ish detail')),
    };
    const error = (await signWith(failing, Buffer.from('x')).catch((e: unknown) => e)) as RetryableError;
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.code).toBe('signing-sign-failed');
    expect(error.message).toBe('key kms-key-1: signing failed (Error)');
  });

  it('loadPublicKey takes P-256 SPKI PEM only', () => {
    const { publicPem } = p256Pem();
    expect(loadPublicKey(publicPem).keyId).toBe(keyIdOf(createPublicKey(publicPem)));
    const rsaPub = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => loadPublicKey(rsaPub, 'cosign.pub')).toThrow(
      'cosign.pub: holds an RSA key (2048 bits); only ECDSA P-256',
    );
    expect(() => loadPublicKey('nope', 'cosign.pub')).toThrow('cosign.pub: is not a PEM public key');
  });
});
