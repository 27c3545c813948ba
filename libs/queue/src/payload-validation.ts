import {
  ErrorCode,
  JOBS,
  MAX_PAYLOAD_BYTES,
  TerminalError,
  isJobName,
  type JobName,
  type JobPayload,
} from '@patch-factory/contracts';

const clip = (s: string, n = 80) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The name of a job, checked: an unknown name is a terminal `unknown-job`. */
export function checkJobName(name: string, where: string): JobName {
  if (!isJobName(name)) {
    throw new TerminalError(
      ErrorCode.unknownJob,
      `${where}: ${clip(JSON.stringify(name))} is not a job name in libs/contracts`,
    );
  }
  return name;
}

/**
 * Validates a payload against its job's schema and the size cap. Used by producers before
 * enqueueing and by workers before calling a handler: a bad payload is a terminal failure
 * with the offending fields named, never a crash loop.
 */
export function validatePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(data) ?? '');
  } catch (error) {
    throw new TerminalError(
      ErrorCode.invalidPayload,
      `job ${name}: payload is not serialisable (${(error as Error).message})`,
    );
  }
  if (size > MAX_PAYLOAD_BYTES) {
    throw new TerminalError(
      ErrorCode.payloadTooLarge,
      `job ${name}: payload is ${size} bytes, over the ${MAX_PAYLOAD_BYTES}-byte cap (payloads carry ids; state belongs in the store)`,
    );
  }
  const parsed = JOBS[name].payload.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`)
      .join('; ');
    throw new TerminalError(ErrorCode.invalidPayload, `job ${name}: invalid payload: ${issues}`);
  }
  return parsed.data as JobPayload<N>;
}
