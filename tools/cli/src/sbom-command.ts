import { IMAGE_NAME_ANNOTATION } from '@patch-factory/builder';
import { readImageLayout, readImageRootFs } from '@patch-factory/oci';
import { cycloneDxJson, imageInventory, spdxJson } from '@patch-factory/sbom';
import { layoutImageName } from './layout-image-name';
import { UsageError, expectPositionals, quote, stringFlag } from './args';
import type { Command } from './command';
import { commandFailure } from './command-error';
import { safeText } from './terminal-text';

const NAME = 'sbom';

export const sbomCommand: Command = {
  name: NAME,
  synopsis: '<oci-layout> --format cyclonedx|spdx [--platform linux/amd64] [--tag <tag>] [--name <image name>]',
  summary:
    'write the SBOM of a built image (CycloneDX 1.6 or SPDX 2.3 JSON) to stdout, from its dpkg database (locally, no API)',
  help: [
    'Reads the image of the layout (the --tag of index.json, or its only image; the --platform of a',
    'multi-platform index, or its only one), checks every blob against its digest, flattens the layers',
    'and lists every installed package from var/lib/dpkg/status with its purl, source package and',
    "licenses (from machine-readable copyright files). The image name is --name, else the layout's",
    `${IMAGE_NAME_ANNOTATION} annotation (written by patch-factory build): [host[:port]/]path[:tag] by the`,
    "OCI reference grammar (registry.example.org:5000/examples/redis:7.0). The SBOM's time is the",
    "image config's `created`, so the same image always gives the same bytes.",
  ],
  flags: { format: 'string', platform: 'string', tag: 'string', name: 'string' },
  async run(args, ctx) {
    const [dir] = expectPositionals(args, ['oci-layout'], NAME);
    const format = stringFlag(args, 'format');
    if (format !== 'cyclonedx' && format !== 'spdx')
      throw new UsageError(
        `--format must be cyclonedx or spdx${format === undefined ? '' : `, not ${quote(format)}`}`,
        NAME,
      );
    const platform = stringFlag(args, 'platform');
    const tag = stringFlag(args, 'tag');
    const opts = { ...(platform ? { platform } : {}), ...(tag ? { tag } : {}) };
    try {
      const layout = await readImageLayout(dir as string, opts);
      const name = stringFlag(args, 'name') ?? layoutImageName(dir as string, layout);
      if (name === undefined)
        throw new UsageError(
          `the layout names no image (no ${IMAGE_NAME_ANNOTATION} annotation): give --name <image name>`,
          NAME,
        );
      const fs = await readImageRootFs(dir as string, opts);
      const created = typeof layout.config['created'] === 'string' ? layout.config['created'] : '1970-01-01T00:00:00Z';
      const inventory = imageInventory(
        { name, digest: layout.indexDigest, platform: layout.platform, manifestDigest: layout.manifestDigest },
        fs,
      );
      const timestamp = created.replace(/\.\d+Z$/, 'Z');
      ctx.print(format === 'cyclonedx' ? cycloneDxJson(inventory, { timestamp }) : spdxJson(inventory, { timestamp }));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw commandFailure(error, 'sbom-failed', safeText);
    }
  },
};
