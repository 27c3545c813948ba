/**
 * A command that ran but could not do its work for a reason a person can fix (a path that
 * does not exist, nothing to check): printed as `error <code>: <message>`, exit code 1.
 */
export class CommandError extends Error {
  constructor(
    /** Stable, kebab-case. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** A library error as a CommandError: its own stable code when it has one, else `fallback`; the message made safe for a terminal. */
export function commandFailure(error: unknown, fallback: string, safe: (text: string) => string): CommandError {
  const code = (error as { code?: unknown }).code;
  return new CommandError(
    typeof code === 'string' ? code : fallback,
    safe(error instanceof Error ? error.message : String(error)),
  );
}
