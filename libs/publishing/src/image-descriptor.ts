import { readLayoutIndex } from '@patch-factory/oci';
import type { ImageDescriptor } from '@patch-factory/signing';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';

/** The descriptor (media type, size) of image `digest` in the layout's index.json, named `name`. */
export async function layoutImageDescriptor(layout: string, digest: string, name: string): Promise<ImageDescriptor> {
  const entry = (await readLayoutIndex(layout)).find((m) => m.digest === digest);
  if (!entry)
    throw publishingTerminal(
      PublishingErrorCode.inputInvalid,
      `the image layout ${layout} does not hold ${digest} in its index.json`,
    );
  return { name, digest, mediaType: entry.mediaType, size: entry.size };
}
