import { safeText } from './terminal-text';

/** A command line that cannot be understood: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage to show (undefined: the general usage). */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The flags a command accepts: `--name` alone (boolean) or `--name VALUE` / `--name=VALUE` (string);
 * `strings`: a string flag that may be given several times (every value kept, in order).
 */
export type FlagSpec = Readonly<Record<string, 'boolean' | 'string' | 'strings'>>;

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
  /** Every value of each `strings` flag given (the last one is also in `flags`). */
  lists?: Map<string, string[]>;
}

/**
 * Splits the arguments of one command into positionals and flags. `--` ends the flags
 * (for an id that starts with a dash); `-h` is `--help`. Unknown, repeated or
 * value-less flags are usage errors that name the flag.
 */
export function parseArgs(argv: readonly string[], spec: FlagSpec, command: string): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      flags.set('help', true);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown flag ${quote(arg)} for ${command}`, command);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
    if (!kind) throw new UsageError(`unknown flag ${quote(eq < 0 ? arg : arg.slice(0, eq))} for ${command}`, command);
    if (flags.has(name) && kind !== 'strings') throw new UsageError(`--${name} is given more than once`, command);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`, command);
      flags.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      }
    }
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`, command);
    flags.set(name, value);
    if (kind === 'strings') lists.set(name, [...(lists.get(name) ?? []), value]);
  }
  return { positionals, flags, lists };
}

/** Every value of a repeatable (`strings`) flag, in the order given. */
export function stringsFlag(args: ParsedArgs, name: string): string[] {
  return args.lists?.get(name) ?? [];
}

/** A string flag's value, if given. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name) === true;
}

/** Exactly the named positionals, in order; missing or extra ones are usage errors. */
export function expectPositionals(args: ParsedArgs, names: readonly string[], command: string): string[] {
  const [missing] = names.slice(args.positionals.length);
  if (missing) throw new UsageError(`${command} needs <${missing}>`, command);
  const extra = args.positionals[names.length];
  if (extra !== undefined) throw new UsageError(`unexpected argument ${quote(extra)} for ${command}`, command);
  return args.positionals.slice(0, names.length);
}

/** An integer flag within [min, max]. */
export function intFlag(args: ParsedArgs, name: string, min: number, max: number, command: string): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not ${quote(raw)}`, command);
  }
  return Number(raw);
}

/** A string flag that must be one of `choices`. */
export function choiceFlag<T extends string>(
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
  command: string,
): T | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, not ${quote(raw)}`, command);
  }
  return raw as T;
}

/** User input quoted for a message, escaped and clipped. */
export function quote(value: string): string {
  return `"${safeText(value, 80)}"`;
}
