import { RegistryClient, assertRepositoryName, assertTag, isSha256Digest, type RegistryWriter } from '@patch-factory/oci';
import { UsageError } from './args';

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

/** Parses `ref` (the first path part is the registry host: write it, there is no default registry). */
export function parseImageRef(ref: string, command: string): ImageRef {
  const slash = ref.indexOf('/');
  if (slash <= 0 || ref.length > 1000) throw new UsageError(`image reference "${ref.slice(0, 100)}" must be host[:port]/repository[:tag][@sha256:<hex>]`, command);
  const host = ref.slice(0, slash);
  let rest = ref.slice(slash + 1);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isSha256Digest(digest)) throw new UsageError(`the digest of "${ref.slice(0, 100)}" is not sha256:<64 hex>`, command);
  }
  const colon = rest.lastIndexOf(':');
  const tag = colon > 0 ? rest.slice(colon + 1) : undefined;
  const repository = colon > 0 ? rest.slice(0, colon) : rest;
  try {
    assertRepositoryName(repository);
    if (tag !== undefined) assertTag(tag);
  } catch (error) {
    throw new UsageError(`image reference "${ref.slice(0, 100)}": ${(error as Error).message}`, command);
  }
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[::1\](:\d{1,5})?$/.test(host)) throw new UsageError(`"${host.slice(0, 100)}" is not a registry host[:port]`, command);
  const registry = `${LOOPBACK.test(host) ? 'http' : 'https'}://${host}`;
  return { registry, host, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** A registry client for `ref`, with PF_REGISTRY_USERNAME / PF_REGISTRY_PASSWORD when both are set. */
export function registryClientFor(ref: ImageRef, env: NodeJS.ProcessEnv): RegistryWriter {
  const username = env['PF_REGISTRY_USERNAME'];
  const password = env['PF_REGISTRY_PASSWORD'];
  return new RegistryClient({ registry: ref.registry, ...(username && password ? { credentials: { username, password } } : {}) });
}

/** The digest `ref` names: its @digest, else what its tag points at. */
export async function resolveImageDigest(client: RegistryWriter, ref: ImageRef, command: string): Promise<string> {
  if (ref.digest) return ref.digest;
  if (!ref.tag) throw new UsageError('the image reference needs a :tag or an @sha256: digest', command);
  return client.resolveTag(ref.repository, ref.tag);
}
