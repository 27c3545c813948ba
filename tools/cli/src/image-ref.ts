import { RegistryClient, assertImageReference, isSha256Digest, type RegistryWriter } from '@patch-factory/oci';
import { UsageError } from './args';
import { safeText } from './terminal-text';

/** An image reference on the command line: `host[:port]/repository[:tag][@sha256:…]`. */
export interface ImageRef {
  /** `https://host[:port]`, or `http://` for a loopback host (the registry client refuses plain http elsewhere). */
  registry: string;
  /** `host[:port]` as written. */
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(:\d{1,5})?$/;

/**
 * Parses `ref` by the OCI reference grammar of libs/oci (the first path part is the registry
 * host: write it, there is no default registry). A host may carry a port and be a name, an
 * IPv4 address or an [IPv6] address (`127.0.0.1:5000/team/app:1`, `[::1]:5000/x/y:1`).
 */
export function parseImageRef(ref: string, command: string): ImageRef {
  if (!ref.includes('/') || ref.startsWith('/'))
    throw new UsageError(
      `image reference "${safeText(ref.slice(0, 100))}" must be host[:port]/repository[:tag][@sha256:<hex>]`,
      command,
    );
  let parsed: ReturnType<typeof assertImageReference>;
  try {
    parsed = assertImageReference(ref, 'the command line', { domainRequired: true, hostFirst: true });
  } catch (error) {
    throw new UsageError(
      `${safeText((error as Error).message)}; expected host[:port]/repository[:tag][@sha256:<hex>]`,
      command,
    );
  }
  if (parsed.digest !== undefined && !isSha256Digest(parsed.digest))
    throw new UsageError(`the digest of "${safeText(ref.slice(0, 100))}" is not sha256:<64 hex>`, command);
  const host = parsed.domain as string;
  const registry = `${LOOPBACK.test(host) ? 'http' : 'https'}://${host}`;
  return {
    registry,
    host,
    repository: parsed.path,
    ...(parsed.tag !== undefined ? { tag: parsed.tag } : {}),
    ...(parsed.digest !== undefined ? { digest: parsed.digest } : {}),
  };
}

/** A registry client for `ref`, with PF_REGISTRY_USERNAME / PF_REGISTRY_PASSWORD when both are set. */
export function registryClientFor(ref: ImageRef, env: NodeJS.ProcessEnv): RegistryWriter {
  const username = env['PF_REGISTRY_USERNAME'];
  const password = env['PF_REGISTRY_PASSWORD'];
  return new RegistryClient({
    registry: ref.registry,
    ...(username && password ? { credentials: { username, password } } : {}),
  });
}

/** The digest `ref` names: its @digest, else what its tag points at. */
export async function resolveImageDigest(client: RegistryWriter, ref: ImageRef, command: string): Promise<string> {
  if (ref.digest) return ref.digest;
  if (!ref.tag) throw new UsageError('the image reference needs a :tag or an @sha256: digest', command);
  return client.resolveTag(ref.repository, ref.tag);
}
