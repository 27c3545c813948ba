// Test helpers (not a suite, not built): assert that a builder step fails with a PipelineError of a code.
import { PipelineError } from '@patch-factory/contracts';

/** `fn` throws a PipelineError with `code` whose message contains `fragment`. */
export function expectFailure(fn: () => unknown, code: string, fragment = ''): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PipelineError);
  expect((caught as PipelineError).code).toBe(code);
  expect((caught as PipelineError).message).toContain(fragment);
}

/** `promise` rejects with a PipelineError with `code` whose message contains `fragment`. */
export async function expectRejection(promise: Promise<unknown>, code: string, fragment = ''): Promise<void> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(PipelineError);
  expect((caught as PipelineError).code).toBe(code);
  expect((caught as PipelineError).message).toContain(fragment);
}
