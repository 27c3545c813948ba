import { signingError, SigningErrorCode } from '../signing-errors';
import { fileKeyProvider } from './file/file-key.provider';
import type { KeyLoadOptions, KeyProvider, SigningKey } from './signing-key';

/** Every key provider, by URI scheme. A new provider (a cloud KMS) is one folder + one line here. */
export const keyProviders: Readonly<Record<string, KeyProvider>> = {
  [fileKeyProvider.scheme]: fileKeyProvider,
};

/** Loads the signing key a URI names (`file:/etc/patch-factory/cosign.key`), through its provider. */
export async function loadSigningKey(
  uri: string,
  options: KeyLoadOptions = {},
  providers: Readonly<Record<string, KeyProvider>> = keyProviders,
): Promise<SigningKey> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw signingError(
      SigningErrorCode.keyProviderUnknown,
      'signing key',
      'the key URI is not a URI (its text is not shown: it might be key material); use file:/absolute/path/to/key.pem',
    );
  }
  const scheme = url.protocol.replace(/:$/, '');
  const provider = Object.hasOwn(providers, scheme) ? providers[scheme] : undefined;
  if (!provider) {
    throw signingError(
      SigningErrorCode.keyProviderUnknown,
      'signing key',
      `no key provider for scheme "${scheme}:" (known: ${Object.keys(providers)
        .map((s) => `${s}:`)
        .join(', ')})`,
    );
  }
  return provider.load(url, options);
}
