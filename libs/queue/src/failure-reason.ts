import { ErrorCode } from '@patch-factory/contracts';

/** A job's failure is stored by BullMQ as a string: `[code] message`. */
export function formatFailure(code: string, message: string): string {
  return `[${code}] ${message}`;
}

const STALLED = /stalled more than allowable limit/i;

/** Reads back the code and message of a failed job's reason. */
export function parseFailure(reason: string | undefined): { code: string; message: string } {
  const text = reason ?? '';
  const m = /^\[([a-z][a-z0-9-]{1,63})\] ([\s\S]*)$/.exec(text);
  if (m) return { code: m[1] as string, message: m[2] as string };
  if (STALLED.test(text)) {
    return { code: ErrorCode.workerLost, message: `the worker holding the job was lost too many times (${text})` };
  }
  return { code: ErrorCode.executorFailed, message: text || 'the job failed without a reason' };
}
