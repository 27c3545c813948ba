import { loadCatalog, parseQuery, type CatalogQuery } from '@patch-factory/definitions';
import { UsageError, expectPositionals, quote } from './args';
import type { Command } from './command';
import { CommandError } from './command-error';
import { safeText } from './terminal-text';

const NAME = 'definitions affected';

export const definitionsAffectedCommand: Command = {
  name: NAME,
  synopsis: '<catalog-dir> <ref> [--below <version>]',
  summary:
    'list the definitions of a catalog that depend on a package, an image or a GitHub repository, locally (no API)',
  help: [
    '<ref> is one of:',
    '  pkg:deb/debian/<name> or pkg:apk/alpine/<name>  a package (contents.packages at any depth;',
    '      !exclusions excluded); with --below <version>, only definitions pinning a lower',
    '      version (Debian or Alpine order) or pinning none',
    '  <ns>/<repo>:<tag>     an image (variables, uses:, artifacts; the registry host is ignored):',
    '      a moving tag such as 1-debian13-dev covers 1.26.5-debian13-dev; a full version also',
    '      finds the definitions on its release line',
    '  <owner>/<repo>        a GitHub repository (URLs, git sources, pkg:github purls, track: entries)',
    'Output: one line per definition, "file  reason", then "N affected of M definitions".',
    'Definitions that cannot be parsed are listed as errors (exit 1).',
  ],
  flags: { below: 'string' },
  run(args, ctx) {
    const [dir, ref] = expectPositionals(args, ['catalog-dir', 'ref'], NAME) as [string, string];
    const below = args.flags.get('below');
    if (below === true) throw new UsageError('--below needs a version', NAME);
    let query: CatalogQuery;
    try {
      query = parseQuery(ref, below);
    } catch (error) {
      throw new UsageError(`${quote(ref)}: ${(error as Error).message}`, NAME);
    }
    let catalog: ReturnType<typeof loadCatalog>;
    try {
      catalog = loadCatalog(dir);
    } catch (error) {
      throw new CommandError(
        'unreadable',
        `cannot read the catalog in ${safeText(dir)}: ${safeText((error as Error).message)}`,
      );
    }
    if (catalog.index.definitions === 0 && catalog.errors.length === 0) {
      throw new CommandError(
        'no-catalog-files',
        `no definition in ${safeText(dir)} (expected image/<name>/<os>/<stream>.yaml)`,
      );
    }
    const found = catalog.index.affected(query);
    for (const a of found) ctx.print(`${safeText(a.file)}  ${safeText(a.reason)}`);
    for (const e of catalog.errors) ctx.print(`${safeText(e.file)}: error: ${safeText(e.message)}`);
    ctx.print(`${found.length} affected of ${catalog.index.definitions} definitions`);
    return Promise.resolve(catalog.errors.length ? 1 : undefined);
  },
};
