/** Run `task` over `items` with at most `parallel` in flight; rejects with the first failure (the others stop taking work). */
export async function boundedPool<T>(items: readonly T[], parallel: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(Math.floor(parallel), items.length)) }, lane));
  if (failure !== undefined) throw failure.error;
}
