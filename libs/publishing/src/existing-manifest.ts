import { PipelineError } from '@patch-factory/contracts';
import { OciErrorCode, type RegistryWriter } from '@patch-factory/oci';

/** The bytes of manifest `tag` of `repo`, or undefined when the registry has none (404). */
export async function existingManifest(client: RegistryWriter, repo: string, tag: string, signal?: AbortSignal): Promise<Buffer | undefined> {
  try {
    return (await client.getManifest(repo, tag, signal)).bytes;
  } catch (error) {
    if (error instanceof PipelineError && error.code === OciErrorCode.notFound) return undefined;
    throw error;
  }
}
