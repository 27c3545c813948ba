import { LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import type { DefinitionError, DefinitionIssueCode } from './definitions-errors';
import { limitErrors } from './error-list';
import { formatKeyPath } from './key-path';
import { parseLimits, type ParseLimits } from './parse-limits';
import { checkYamlTree } from './yaml-checks';
import type { YamlSource } from './yaml-source';

/** A parsed file, or every reason it could not be parsed. */
export type YamlParseResult = { ok: true; source: YamlSource } | { ok: false; errors: DefinitionError[] };

/**
 * Parses one catalog file (YAML 1.2, core schema) into a document whose every node keeps its
 * source range, plus its plain value. Bad input is never thrown: a file that is too large, not
 * UTF-8, not well-formed YAML, more than one document, or YAML without a JSON equivalent (see
 * checkYamlTree), or whose aliases expand too far, comes back as errors with line and column.
 * @param input the file's bytes (decoded as UTF-8) or text
 * @param file the name to put in messages
 */
export function parseCatalogYaml(
  input: string | Uint8Array,
  file: string,
  limits: Partial<ParseLimits> = {},
): YamlParseResult {
  const caps = parseLimits(limits);
  const fail = (code: DefinitionIssueCode, message: string): YamlParseResult => ({
    ok: false,
    errors: [{ code, file, line: 1, column: 1, path: '', message }],
  });
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > caps.maxBytes)
    return fail('file-too-large', `the file is ${size} bytes, more than the limit of ${caps.maxBytes} bytes`);
  let text: string;
  try {
    text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return fail('not-utf8', 'the file is not UTF-8 text');
  }

  const lineCounter = new LineCounter();
  let document: Document.Parsed;
  try {
    document = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      schema: 'core',
      resolveKnownTags: false,
      uniqueKeys: false,
      strict: true,
    });
  } catch (error) {
    return fail('yaml-syntax', `the YAML parser gave up: ${error instanceof Error ? error.message : String(error)}`);
  }
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const syntax = document.errors.map((e): DefinitionError => ({
    code: 'yaml-syntax',
    ...at(e.pos[0]),
    path: '',
    message: yamlMessage(e),
  }));
  if (syntax.length) return { ok: false, errors: limitErrors(syntax, caps.maxErrors) };

  const tree = checkYamlTree(document.contents, lineCounter, text, caps.maxDepth);
  const problems: DefinitionError[] = tree.problems.map((p) => ({
    code: p.code,
    ...at(p.offset),
    path: formatKeyPath(p.path),
    message: p.message,
  }));
  for (const w of document.warnings) {
    // Unknown tags are reported by checkYamlTree, with their key path.
    if (w.code !== 'TAG_RESOLVE_FAILED')
      problems.push({ code: 'unsupported-yaml', ...at(w.pos[0]), path: '', message: w.message });
  }
  if (problems.length) return { ok: false, errors: limitErrors(problems, caps.maxErrors) };

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: caps.maxAliasCount });
  } catch (error) {
    const offset = tree.firstAlias?.range?.[0] ?? 0;
    const message = error instanceof Error ? error.message : String(error);
    const bomb = /alias/i.test(message);
    return {
      ok: false,
      errors: [
        bomb
          ? {
              code: 'alias',
              ...at(offset),
              path: '',
              message: `the aliases expand too far (the limit is ${caps.maxAliasCount}): refusing a possible alias bomb`,
            }
          : {
              code: 'unsupported-yaml',
              ...at(offset),
              path: '',
              message: `the YAML cannot be read as data: ${message}`,
            },
      ],
    };
  }
  return { ok: true, source: { file, text, document, lineCounter, aliases: tree.aliases, value } };
}

function yamlMessage(error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS')
    return 'more than one YAML document (a "---" line): a catalog file holds exactly one';
  return `YAML syntax: ${error.message}`;
}
