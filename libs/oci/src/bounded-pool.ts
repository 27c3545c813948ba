/**
 * Runs `work` over `items` with at most `limit` in flight; results in input order. The first
 * failure stops the others taking work and is thrown once the ones in flight are done. The one
 * bounded pool of the factory (blob uploads and downloads here; .deb reading and layer writing in
 * libs/builder).
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await work(items[i] as T, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(Math.floor(limit), items.length)) }, lane));
  if (failure !== undefined) throw failure.error;
  return out;
}

/** `mapLimited` for work without results. */
export async function boundedPool<T>(
  items: readonly T[],
  parallel: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  await mapLimited(items, parallel, task);
}
