/**
 * The logging this lib needs: a static message plus fields (pino's `(fields, msg)` shape, so a
 * pino Logger fits). Fields never hold tokens or file contents.
 */
export interface ForgeLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

/** A logger that drops everything. */
export const silentLogger: ForgeLogger = { info: () => undefined, warn: () => undefined };
