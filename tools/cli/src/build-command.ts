import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadConfig } from '@patch-factory/config';
import { buildDefinitionText, buildSettings } from '@patch-factory/builder';
import { UsageError, boolFlag, expectPositionals, quote, stringFlag } from './args';
import type { Command } from './command';
import { CommandError } from './command-error';
import { safeText } from './terminal-text';

const NAME = 'build';
const MAX_DEFINITION = 4 * 1024 * 1024;

export const buildCommand: Command = {
  name: NAME,
  synopsis: '<definition.yaml> --out <dir> [--platform linux/amd64[,linux/arm64]] [--no-reuse]',
  summary:
    'build a definition into an OCI image layout, locally (no API, no Docker engine); prints the image digest last',
  help: [
    "Resolves contents.packages against the definition's signed repositories, downloads each package once",
    'into PF_BUILD_CACHE_DIR, assembles the image without a Docker engine and writes a reproducible OCI',
    'image layout to --out (replaced whole on success, untouched on failure). --platform (comma-separated) builds',
    "only those of the definition's platforms. Progress goes to stderr; the last line of stdout is the image",
    'index digest. Trusted keyrings: PF_BUILD_KEYRING_DIR; mirrors: PF_BUILD_MIRRORS; SOURCE_DATE_EPOCH.',
    'With unchanged inputs and the previous layout in --out nothing is rebuilt (--no-reuse rebuilds).',
    'A definition written as a Dockerfile (first line `# syntax=docker/dockerfile`) is built by buildah,',
    'one platform, with its directory as the build context.',
  ],
  flags: { out: 'string', platform: 'string', 'no-reuse': 'boolean' },
  async run(args, ctx) {
    const [file] = expectPositionals(args, ['definition'], NAME);
    const out = stringFlag(args, 'out');
    if (out === undefined) throw new UsageError('--out <dir> is required: the OCI image layout to write', NAME);
    const platforms = stringFlag(args, 'platform')
      ?.split(',')
      .map((p) => p.trim());
    if (platforms?.some((p) => !/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/.test(p))) {
      throw new UsageError(
        `--platform ${quote(stringFlag(args, 'platform') ?? '')} is not a list like linux/amd64,linux/arm64`,
        NAME,
      );
    }
    let text: string;
    try {
      const buf = await readFile(file as string);
      if (buf.length > MAX_DEFINITION) throw new Error(`it is larger than ${MAX_DEFINITION} bytes`);
      text = buf.toString('utf8');
    } catch (error) {
      throw new CommandError(
        'definition-unreadable',
        `cannot read ${quote(file as string)}: ${safeText((error as Error).message)}`,
      );
    }
    let settings;
    try {
      settings = buildSettings(loadConfig());
    } catch (error) {
      throw new CommandError('build-config', safeText((error as Error).message));
    }
    try {
      const result = await buildDefinitionText(text, {
        where: file as string,
        contextDir: dirname(resolve(file as string)),
        outDir: out,
        cacheDir: settings.cacheDir,
        sources: settings.sources,
        sourceDateEpoch: settings.sourceDateEpoch,
        ...(settings.sandbox ? { sandbox: settings.sandbox } : {}),
        ...(platforms ? { platforms } : {}),
        reuse: !boolFlag(args, 'no-reuse'),
        log: (line) => process.stderr.write(`${safeText(line)}\n`),
      });
      for (const p of result.platforms)
        ctx.print(`${p.platform}  ${p.packages.length} packages  ${p.layers.length} layers`);
      ctx.print(result.digest);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new CommandError(typeof code === 'string' ? code : 'build-failed', safeText((error as Error).message));
    }
  },
};
