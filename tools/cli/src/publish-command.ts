import { pushLayout } from '@patch-factory/oci';
import { UsageError, expectPositionals, stringFlag } from './args';
import type { Command } from './command';
import { commandFailure } from './command-error';
import { parseImageRef, registryClientFor } from './image-ref';
import { safeText } from './terminal-text';

const NAME = 'publish';

export const publishCommand: Command = {
  name: NAME,
  synopsis: '<oci-layout> <host[:port]/repository:tag> [--ref-name <name>] [--mount-from <repository>]',
  summary: 'push an OCI image layout to a registry under a tag (every digest checked); prints the digest last',
  help: [
    'Pushes every blob the registry lacks (large ones in resumable chunks), the platform manifests by',
    'digest, then the index under the tag. Registry failures (429, 5xx) are retried with backoff.',
    '--ref-name picks the image of a layout whose index.json lists several; --mount-from mounts blobs',
    'from another repository of the same registry. Credentials: PF_REGISTRY_USERNAME/PF_REGISTRY_PASSWORD.',
  ],
  flags: { 'ref-name': 'string', 'mount-from': 'string' },
  async run(args, ctx) {
    const [dir, raw] = expectPositionals(args, ['oci-layout', 'ref'], NAME);
    const ref = parseImageRef(raw as string, NAME);
    if (!ref.tag || ref.digest) throw new UsageError('publish pushes to a tag: host[:port]/repository:tag', NAME);
    const refName = stringFlag(args, 'ref-name');
    const mountFrom = stringFlag(args, 'mount-from');
    try {
      const client = registryClientFor(ref, process.env);
      const pushed = await pushLayout(client, dir as string, ref.repository, ref.tag, {
        ...(refName ? { refName } : {}),
        ...(mountFrom ? { mountFrom } : {}),
      });
      ctx.print(
        `${ref.host}/${ref.repository}:${ref.tag}: ${pushed.manifests} manifest(s); blobs ${pushed.blobs.pushed} pushed (${pushed.bytesPushed} bytes), ${pushed.blobs.skipped} present, ${pushed.blobs.mounted} mounted`,
        pushed.digest,
      );
    } catch (error) {
      throw commandFailure(error, 'publish-failed', safeText);
    }
  },
};
