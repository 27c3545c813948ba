/**
 * The errors of the catalog format library: the codes of the TerminalErrors it throws, and the
 * problems it reports in a catalog file (each with its place: a list a person reads, not thrown).
 */

/** A definition's text that is not YAML (reading its `vars:` for a patch). */
export const DefinitionErrorCode = { invalidYaml: 'invalid-definition-yaml' } as const;

/** A variable change a patch refuses. */
export const PatchErrorCode = {
  invalidVarName: 'invalid-var-name',
  invalidVarValue: 'invalid-var-value',
} as const;

/** Stable codes of the problems a catalog file can have. */
export type DefinitionIssueCode =
  /** Could not be read (missing, a directory, no permission). */
  | 'unreadable'
  /** Larger than the size cap. */
  | 'file-too-large'
  /** Not UTF-8 text. */
  | 'not-utf8'
  /** Not well-formed YAML, or more than one document. */
  | 'yaml-syntax'
  /** The same key twice in one mapping. */
  | 'duplicate-key'
  /** Aliases that expand too much (an "alias bomb"), or that point nowhere or at themselves. */
  | 'alias'
  /** YAML that has no JSON equivalent: tags, non-string keys, .inf/.nan, inexact integers. */
  | 'unsupported-yaml'
  /** Nested deeper than the depth cap. */
  | 'too-deep'
  /** Well-formed YAML that the format's schema refuses. */
  | 'schema'
  /** A path into the image that leaves it (`..`, not absolute): the format allows it, the factory does not. */
  | 'unsafe-path'
  /** More problems than are worth listing. */
  | 'too-many-errors';

/** One problem in one file, where a person can find it. */
export interface DefinitionError {
  code: DefinitionIssueCode;
  /** The file as the caller named it. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units from the start of the line. */
  column: number;
  /** The key path, e.g. `contents.packages[3]`; empty for the file as a whole. */
  path: string;
  /** What is wrong, and what was expected. */
  message: string;
}

/** `file:line:col: path: message`, or `file:line:col: message` when there is no key path. */
export function formatDefinitionError(error: DefinitionError): string {
  const where = `${error.file}:${error.line}:${error.column}`;
  return error.path ? `${where}: ${error.path}: ${error.message}` : `${where}: ${error.message}`;
}
