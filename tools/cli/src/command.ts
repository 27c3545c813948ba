import { DefinitionPathSchema, STAGE_NAMES, type StageName } from '@patch-factory/contracts';
import type { ApiClient } from './api-client';
import { UsageError, quote, type FlagSpec, type ParsedArgs } from './args';

/** What a command gets to do its work. */
export interface CommandContext {
  /** The operator API, made on first use: commands that run locally never need PF_API_URL. */
  readonly api: ApiClient;
  /** The time the command started (epoch ms), for ages. */
  now: number;
  /** Writes lines to stdout (already escaped). */
  print(...lines: string[]): void;
  /** Writes lines to stderr (already escaped): progress and warnings of long-running commands. */
  warn(...lines: string[]): void;
  /** All of standard input as UTF-8 (empty when the caller gives none); read on first call. */
  stdin(): Promise<string>;
}

export interface Command {
  /** `runs`, `run`, `dlq list`… */
  name: string;
  /** The arguments after the name, for the usage line. */
  synopsis: string;
  summary: string;
  /** Extra help lines (flags, output). */
  help: readonly string[];
  flags: FlagSpec;
  /** Does the work; resolves with the exit code, or nothing for 0 (success). */
  run(args: ParsedArgs, ctx: CommandContext): Promise<number | void>;
}

/** Stages a run can go through (every stage but `watch`), in order. */
export const RUN_STAGE_NAMES: Exclude<StageName, 'watch'>[] = STAGE_NAMES.filter((s) => s !== 'watch');

const ID = /^[A-Za-z0-9._-]{1,300}$/;

/**
 * An id for a URL path: letters, digits, `.`, `_`, `-`, at most 300. Only-dots ids are
 * refused as well: a URL parser reads `.` and `..` (even percent-encoded) as path steps.
 */
export function checkId(raw: string, what: string, command: string): string {
  if (!ID.test(raw) || /^\.+$/.test(raw)) {
    throw new UsageError(
      `${quote(raw)} is not a valid ${what}: expected 1 to 300 letters, digits, ".", "_" or "-"`,
      command,
    );
  }
  return raw;
}

/** A definition path as the API accepts it (libs/contracts DefinitionPathSchema). */
export function checkDefinition(raw: string, where: string, command: string): string {
  const parsed = DefinitionPathSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(
      `${where} ${quote(raw)} is not a definition path: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      command,
    );
  }
  return parsed.data;
}

/** The path of an API resource under a collection, the id encoded. */
export function resourcePath(collection: string, id: string, ...rest: string[]): string {
  return [collection, encodeURIComponent(id), ...rest].join('/');
}
