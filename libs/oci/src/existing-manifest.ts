import { PipelineError } from '@patch-factory/contracts';
import { OciErrorCode } from './oci-errors';
import type { RegistryWriter } from './registry-writer';

/** What `request` gives, or undefined when the registry answers that it has no such thing (`oci-not-found`). */
export async function unlessNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof PipelineError && error.code === OciErrorCode.notFound) return undefined;
    throw error;
  }
}

/** The bytes of manifest `tag` of `repo`, or undefined when the registry has none (404). */
export async function existingManifest(
  client: RegistryWriter,
  repo: string,
  tag: string,
  signal?: AbortSignal,
): Promise<Buffer | undefined> {
  return (await unlessNotFound(client.getManifest(repo, tag, signal)))?.bytes;
}
