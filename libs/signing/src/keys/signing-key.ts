/**
 * A key the factory signs with. Only ECDSA P-256 with SHA-256 (what cosign and Sigstore
 * bundles with a public key expect). The private half never leaves the implementation.
 */
export interface SigningKey {
  /** Stable id of the key: hex sha256 of its SPKI DER public key. Used as DSSE `keyid` and bundle key hint. */
  readonly keyId: string;
  /** The public key, SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
  readonly publicKeyPem: string;
  /** ECDSA P-256 over SHA-256(data); the signature DER-encoded. */
  sign(data: Buffer): Promise<Buffer>;
}

/** What a provider may need besides the URI. Values come from config read at boot, never from env inside this lib. */
export interface KeyLoadOptions {
  /** Passphrase of an encrypted PEM key. */
  passphrase?: string | Buffer;
}

/**
 * A source of signing keys, selected by the URI scheme (`file:`, a KMS's `awskms:`…).
 * Adding one = one folder under keys/ + one line in key-providers.ts.
 */
export interface KeyProvider {
  /** The URI scheme without the colon, e.g. `file`. */
  readonly scheme: string;
  /** Loads the key the URI names; throws a TerminalError naming the URI when it cannot. Never puts key material in errors. */
  load(uri: URL, options: KeyLoadOptions): Promise<SigningKey>;
}
