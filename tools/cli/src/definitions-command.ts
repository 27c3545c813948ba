import {
  formatDefinitionError,
  listCatalogFiles,
  parseCatalogFile,
  readCatalogFile,
  type CatalogFile,
  type CatalogListing,
  type DefinitionError,
  type SkippedEntry,
} from '@patch-factory/definitions';
import { expectPositionals } from './args';
import type { Command } from './command';
import { CommandError } from './command-error';
import { safeText } from './terminal-text';

const NAME = 'definitions validate';
/** The exit code when any file is invalid. */
const EXIT_INVALID = 1;

const SKIP_REASONS: Record<Exclude<SkippedEntry['reason'], 'not-in-layout'>, string> = {
  'link-leaves-directory': 'a symbolic link to a place outside the directory (not followed)',
  'broken-link': 'a symbolic link to nothing',
  'link-cycle': 'a symbolic link to a directory already walked',
};

export const definitionsValidateCommand: Command = {
  name: NAME,
  synopsis: '<dir-or-file>',
  summary: 'check catalog definitions and info.yaml files, locally (no API)',
  help: [
    'In a directory, every image/<name>/<os>/<stream>.yaml (or .yml; <os> such as debian-13 or',
    'alpine-3.22) is checked as a definition (spec.json), every image/<name>/info.yaml as an info',
    'file (info.spec.json, except that the four metadata keys no catalog file has, fips-compliant,',
    'fips-modules, stig-certified and alternatives, are optional). Other YAML files are skipped and',
    'counted. A file named on its own is an info file if it is called info.yaml, else a definition.',
    'Symbolic links are followed only when they stay inside the directory. Files over 1 MiB, YAML',
    'that is not plain data (tags, non-string keys, alias bombs) and duplicate keys are invalid.',
    'Output: one line per problem, "file:line:col: path: message"; then the counts per kind; then',
    '"N valid, M invalid", where N and M count definitions and info files together.',
    'Exit codes: 0 every file valid, 1 a file invalid (or no catalog file found), 2 usage error.',
  ],
  flags: {},
  run(args, ctx) {
    const [target] = expectPositionals(args, ['dir-or-file'], NAME) as [string];
    const listing = list(target);
    const tally = { definition: { valid: 0, invalid: 0 }, info: { valid: 0, invalid: 0 } };
    for (const file of listing.files) {
      const errors = check(file);
      tally[file.kind][errors.length ? 'invalid' : 'valid']++;
      if (errors.length) ctx.print(...errors.map((e) => safeText(formatDefinitionError(e))));
    }
    let otherYaml = 0;
    for (const skipped of listing.skipped) {
      if (skipped.reason === 'not-in-layout') otherYaml++;
      else ctx.print(`${safeText(skipped.path)}: skipped: ${SKIP_REASONS[skipped.reason]}`);
    }
    if (listing.files.length === 0) {
      throw new CommandError(
        'no-catalog-files',
        `no definition or info file in ${safeText(target)} (expected image/<name>/<os>/<stream>.yaml or image/<name>/info.yaml)`,
      );
    }
    const { definition: d, info: i } = tally;
    const others = otherYaml ? `; ${otherYaml} other YAML file${otherYaml === 1 ? '' : 's'} skipped` : '';
    ctx.print(
      `definitions: ${d.valid} valid, ${d.invalid} invalid; info files: ${i.valid} valid, ${i.invalid} invalid${others}`,
    );
    ctx.print(`${d.valid + i.valid} valid, ${d.invalid + i.invalid} invalid`);
    return Promise.resolve(d.invalid + i.invalid > 0 ? EXIT_INVALID : undefined);
  },
};

function list(target: string): CatalogListing {
  try {
    return listCatalogFiles(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file or directory'
        : code === 'EACCES'
          ? 'permission denied'
          : (code ?? String(error));
    throw new CommandError('unreadable', `cannot read ${safeText(target)}: ${safeText(why)}`);
  }
}

function check(file: CatalogFile): DefinitionError[] {
  const read = readCatalogFile(file.readPath, file.path);
  if (!read.ok) return [read.error];
  const parsed = parseCatalogFile(file.kind, read.bytes, file.path);
  return parsed.ok ? [] : parsed.errors;
}
