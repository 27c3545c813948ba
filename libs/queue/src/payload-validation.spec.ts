import { MAX_PAYLOAD_BYTES, TerminalError } from '@patch-factory/contracts';
import { parseFailure, formatFailure } from './failure-reason';
import { checkJobName, validatePayload } from './payload-validation';

const good = { v: 1, runId: 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9', definition: 'image/redis/debian-12/7.yaml' };

describe('payload validation (producers and consumers)', () => {
  it('accepts a good payload and types it by job name', () => {
    const p = validatePayload('stage.build', good);
    expect(p.runId).toBe(good.runId);
  });

  it.each([
    [{ ...good, runId: 'run_1' }, 'invalid-payload', 'runId: expected a run id'],
    [
      { ...good, definition: 'image/../../etc/passwd.yaml' },
      'invalid-payload',
      'definition: the definition path must not contain',
    ],
    [{ ...good, extra: true }, 'invalid-payload', 'Unrecognized key'],
    [{ ...good, v: 2 }, 'invalid-payload', 'v: '],
    [{ ...good, trace: { traceparent: 'nope' } }, 'invalid-payload', 'trace.traceparent: expected a W3C traceparent'],
    [{ ...good, pad: 'x'.repeat(MAX_PAYLOAD_BYTES) }, 'payload-too-large', `over the ${MAX_PAYLOAD_BYTES}-byte cap`],
    [null, 'invalid-payload', '(payload)'],
  ])('refuses %j as %s', (data, code, message) => {
    let error: unknown;
    try {
      validatePayload('stage.build', data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as TerminalError).code).toBe(code);
    expect((error as Error).message).toContain(message);
  });

  it('refuses unknown job names without echoing control characters raw', () => {
    expect(() => checkJobName('stage.evil\n\u001b[2J', 'queue {build}')).toThrow(
      /"stage\.evil\\n\\u001b\[2J" is not a job name/,
    );
    expect(checkJobName('stage.test', 'x')).toBe('stage.test');
  });

  it('keeps error codes through BullMQ failure reasons', () => {
    expect(parseFailure(formatFailure('stage-not-implemented', 'the build stage…'))).toEqual({
      code: 'stage-not-implemented',
      message: 'the build stage…',
    });
    expect(parseFailure('job stalled more than allowable limit').code).toBe('worker-lost');
    expect(parseFailure('TypeError: x is undefined')).toEqual({
      code: 'executor-failed',
      message: 'TypeError: x is undefined',
    });
    expect(parseFailure(undefined).code).toBe('executor-failed');
  });
});
