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
